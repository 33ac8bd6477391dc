// probe-rows as a Polars user writes it (nodejs-polars): a lazy scan, a sort by key and time (the fields as the
// tie-break), each key's measurements numbered and cut every MAX_LEN, lists per (key, chunk), written to Parquet.
// node polars_probe_rows.js INPUT KEY TIME FIELDS MAX_LEN OUT.parquet eager|streaming
// (NODE_PATH names the folder where nodejs-polars is installed.)
const pl = require("nodejs-polars");
const [input, key, time, fieldList, maxLen, out, mode] = process.argv.slice(2);
const fields = fieldList.split(",");
const rows = pl.scanParquet(input)
  .sort([key, time, ...fields])
  .withColumns(pl.col(time).cumCount().over(key).minus(1).div(Number(maxLen)).floor().cast(pl.Int32).alias("chunk"))
  .groupBy([key, "chunk"])
  .agg([pl.col(time).count().alias("n"), pl.col(time).first().alias(`first_${time}`),
        pl.col(time).last().alias(`last_${time}`), pl.col(time), ...fields.map((f) => pl.col(f))]);
const t0 = Date.now();
const frame = rows.collectSync({ streaming: mode === "streaming" });
frame.writeParquet(out);
console.log(`polars ${mode}: ${frame.height} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
