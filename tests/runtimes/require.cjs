// `require("excite")`, then check.mjs.
const excite = require("excite");
import("./check.mjs")
  .then(({ check }) => check(excite, require.resolve("excite")))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
