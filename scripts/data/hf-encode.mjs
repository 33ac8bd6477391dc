#!/usr/bin/env node
// The reference token ids of a Hugging Face tokenizer, from transformers.js's tokenizers (@lenml/tokenizers):
// encodes the text field of each line of a JSONL file as ordinary text (no special tokens added, as pack does)
// and writes one line per document, its ids separated by spaces.
//
//   node scripts/data/hf-encode.mjs MODEL_DIR INPUT.jsonl [OUTPUT|-] [--field text] [--modules DIR] [--bench]
//
// MODEL_DIR holds tokenizer.json and tokenizer_config.json; --modules is where scripts/data/hf-tokenizers.sh
// installed the package (default target/hf-tokenizers). --bench writes no ids: it prints the documents, the tokens
// and the tokens per second of the encoding alone (the texts are read before the clock starts).
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
};
const field = option("--field", "text");
const modules = option("--modules", path.join(root, "target/hf-tokenizers"));
const bench = args.includes("--bench");
const [modelDir, input, output = "-"] = args.filter((a) => a !== "--bench");
if (!modelDir || !input) {
  console.error("usage: hf-encode.mjs MODEL_DIR INPUT.jsonl [OUTPUT|-] [--field text] [--modules DIR] [--bench]");
  process.exit(2);
}
const lib = path.join(modules, "node_modules/@lenml/tokenizers/dist/main.mjs");
if (!fs.existsSync(lib)) {
  console.error(`hf-encode.mjs: no ${lib}; run scripts/data/hf-tokenizers.sh first`);
  process.exit(1);
}
const { TokenizerLoader } = await import(pathToFileURL(lib).href);
const readJson = (f) => JSON.parse(fs.readFileSync(path.join(modelDir, f), "utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: readJson("tokenizer.json"),
  tokenizerConfig: readJson("tokenizer_config.json"),
});

const texts = [];
for await (const line of readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity })) {
  if (line.trim() !== "") texts.push(JSON.parse(line)[field] ?? "");
}
const encode = (text) => tokenizer.encode(text, { add_special_tokens: false });

if (bench) {
  const start = process.hrtime.bigint();
  let tokens = 0;
  for (const text of texts) tokens += encode(text).length;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${texts.length} documents, ${tokens} tokens in ${secs.toFixed(2)} s: ${Math.round(tokens / secs)} tokens/s`);
} else {
  const out = output === "-" ? process.stdout : fs.createWriteStream(output);
  for (const text of texts) out.write(encode(text).join(" ") + "\n");
  if (out !== process.stdout) out.end();
}
