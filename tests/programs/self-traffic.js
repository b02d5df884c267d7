'use strict';
// A process with its own traffic and no HTTP: a timer handles a "job" every
// 10 ms (about 20 kB each) and keeps a record of each in an audit log that
// is never trimmed.
// What oomkit diagnose watches when it is given no --load.
const auditLog = [];
class JobRecord {
  constructor(n) {
    this.n = n;
    this.at = Date.now();
    this.payload = new Array(2500).fill(n);  // its own 20 kB
  }
}
let n = 0;
setInterval(() => {
  auditLog.push(new JobRecord(n++));
}, 10);
