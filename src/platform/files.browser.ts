// A page has no file system: a spec that names a file is refused on its field.

import { InputError } from '../model/errors.js';
import type * as NodeSide from './files.js';

export const readSpecFile: typeof NodeSide.readSpecFile = (path, _baseDir, field, what) => {
  throw new InputError(field, `expected ${what} that a browser can read, got the file path ${JSON.stringify(path)} (paste the layers into init "layers" instead)`);
};
