// Where the UI finds the API. Served as is by `./run serve` (the page's own origin); the S3 deploy writes its own
// copy with the API's URL (client/scripts/build.mjs).
export const config = { apiUrl: "" };
