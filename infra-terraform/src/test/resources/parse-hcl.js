// Parses Terraform files with HashiCorp's HCL parser (@cdktf/hcl2json, hcl2json compiled to WebAssembly)
// and prints one JSON object on stdout: { "<file>": <the file as JSON>, ... }.
//
//   node parse-hcl.js <path to node_modules/@cdktf/hcl2json> <file.tf>...
//
// Exits 2 when the package cannot be loaded, 1 when a file does not parse (the message names the file).
"use strict";
const fs = require("fs");

async function main() {
  const [pkgDir, ...files] = process.argv.slice(2);
  if (!pkgDir || files.length === 0) {
    console.error("usage: node parse-hcl.js <@cdktf/hcl2json dir> <file.tf>...");
    process.exit(2);
  }
  let hcl;
  try {
    hcl = require(pkgDir);
  } catch (e) {
    console.error(`cannot load @cdktf/hcl2json from ${pkgDir}: ${e.message}`);
    process.exit(2);
  }
  const result = {};
  for (const file of files) {
    try {
      result[file] = await hcl.parse(file, fs.readFileSync(file, "utf8"));
    } catch (e) {
      console.error(`${file}: ${e && e.message ? e.message : e}`);
      process.exit(1);
    }
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
