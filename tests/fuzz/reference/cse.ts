// cSE (SPEC §2): the same computation as SE.

export { se as cse } from "./se.js";
