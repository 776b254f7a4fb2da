// esbuild bundles imported CSS into <entry>.css beside the script.
declare module '*.css';
