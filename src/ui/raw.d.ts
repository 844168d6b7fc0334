/** Files imported as text (`import css from './app.css?raw'`): esbuild (scripts/build.mjs) and vitest inline them. */
declare module '*?raw' {
  const text: string;
  export default text;
}
