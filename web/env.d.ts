/** Stylesheets imported for esbuild, which bundles them into one .css file. */
declare module '*.css';
