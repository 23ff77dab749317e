// opencc-js ships its dictionaries as ES modules whose default export is the table as one string.
declare module 'opencc-js/dict/*' {
  const table: string;
  export default table;
}
