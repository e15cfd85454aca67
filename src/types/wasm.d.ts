// A .wasm import in a browser build (esbuild's binary loader): the file's bytes.
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
