// A stylesheet imported for its side effect (esbuild bundles it into app.css).
declare module '*.css';
