// The hub's xAPI tests call this once per check, with a JSON request on stdin and a JSON answer on stdout:
//   {"validate": [statement, ...]}          -> {"problems": [[warning, ...] per statement]}  (Learning Locker's validator)
//   {"endpoint", "username", "password", "reads": [{"params": {...}} | {"statementId": id} | {"about": true}]}
//                                           -> {"reads": [{"statements": [...], "pages": n} | {"statement"} | {"about"}]}
// Reads go through @xapi/xapi, the client a funder's tools would use; `params` pages are followed through `more`.
const validate = require("@learninglocker/xapi-validation").default;
const XAPI = require("@xapi/xapi").default;

async function readAll(lrs, params) {
  let answer = await lrs.getStatements(params);
  const statements = [...answer.data.statements];
  const headers = {version: answer.headers["x-experience-api-version"],
                   consistent: answer.headers["x-experience-api-consistent-through"]};
  let pages = 1;
  while (answer.data.more) {
    answer = await lrs.getMoreStatements({more: answer.data.more});
    statements.push(...answer.data.statements);
    pages += 1;
  }
  return {statements, pages, headers};
}

async function read(request, one) {
  const lrs = new XAPI({endpoint: request.endpoint, auth: XAPI.toBasicAuth(request.username, request.password)});
  try {
    if (one.about) return {about: (await lrs.getAbout()).data};
    if (one.statementId) return {statement: (await lrs.getStatement({statementId: one.statementId})).data};
    return await readAll(lrs, one.params || {});
  } catch (error) {
    return {error: error.response ? error.response.status : String(error)};
  }
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const answer = {};
  if (request.validate) answer.problems = request.validate.map((statement) => validate(statement).map(
    (warning) => ({path: warning.path.join("."), type: warning.typeName || warning.name})));
  if (request.reads) {
    answer.reads = [];
    for (const one of request.reads) answer.reads.push(await read(request, one));
  }
  process.stdout.write(JSON.stringify(answer));
}

main().catch((error) => { console.error(error); process.exit(1); });
