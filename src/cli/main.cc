// oomkit: find out why a Node.js process runs out of memory.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/crash_command.h"
#include "cli/gc_command.h"
#include "cli/heap_command.h"
#include "cli/limits_command.h"
#include "cli/diagnose_command.h"
#include "cli/load_command.h"
#include "cli/profile_command.h"
#include "cli/report_command.h"
#include "cli/run_command.h"

namespace {

// files: 1 for FILE, 2 for BASE CURRENT, 0 when the command declares its own.
void AddHeapOptions(CLI::App* cmd, oomkit::cli::HeapOptions* o, bool analysis, int files = 1) {
  if (files == 0) {
    // the command declares its own file arguments
  } else if (files == 1)
    cmd->add_option("FILE", o->file, "a .heapsnapshot file (gzip-compressed files are read directly)")
        ->required()
        ->check(CLI::ExistingFile);
  else
    cmd->add_option("BASE CURRENT", o->files, "two snapshots of one process, the older first (.heapsnapshot[.gz])")
        ->required()
        ->expected(2)
        ->check(CLI::ExistingFile);
  cmd->add_flag("--json", o->json, "print one JSON object instead of text (sizes in bytes)");
  cmd->add_flag("--partial", o->partial,
                "analyse a file cut short inside \"strings\" or later (a process that died while writing it): "
                "names that were not read show as <missing string N>");
  cmd->add_option("--threads", o->threads, "threads to use (default: all cores, at most 8); results do not depend on it")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("!--no-progress", o->progress, "no progress bar on stderr (there is none when stderr is not a terminal)");
  if (analysis) {
    cmd->add_option("--semantics", o->semantics,
                    "devtools: DevTools' rules for retained sizes, shallow sizes and distances (default); "
                    "raw: every non-weak edge retains, V8's own shallow sizes (docs/semantics.md)")
        ->check(CLI::IsMember({"devtools", "raw"}));
    cmd->add_flag("--stats", o->stats, "print the time of each phase on stderr");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"oomkit: find out why a Node.js process runs out of memory, and prove the fix."};
  app.set_version_flag("--version", std::string("oomkit ") + OOMKIT_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 done, 1 a gate found a problem, 2 bad input or usage.\nRun 'oomkit COMMAND --help' for a command's flags.");

  CLI::App* heap = app.add_subcommand("heap", "analyse V8 heap snapshots (.heapsnapshot, .heapsnapshot.gz)");
  heap->require_subcommand(1);
  oomkit::cli::HeapOptions o;

  CLI::App* info = heap->add_subcommand("info", "the header: V8 layout, node/edge/string counts, total size, "
                                                "extra_native_bytes, allocation traces and locations");
  AddHeapOptions(info, &o, false);

  CLI::App* summary = heap->add_subcommand(
      "summary", "DevTools' Summary view: one row per class (Constructor, Distance, # Objects, Shallow size, "
                 "Retained size), then the Statistics breakdown");
  AddHeapOptions(summary, &o, true);
  summary->add_option("--top", o.top, "rows to show (default 25 on a terminal, all with --json)");
  summary->add_option("--class", o.class_regex, "only classes whose name matches this regular expression");

  CLI::App* dominators = heap->add_subcommand(
      "dominators", "the biggest single objects by retained size, each with the dominator tree below it");
  AddHeapOptions(dominators, &o, true);
  dominators->add_option("--top", o.top, "objects to show (default 10)");
  dominators->add_option("--depth", o.depth, "levels of the dominator tree below each object (default 2)")
      ->check(CLI::Range(0, 50));

  CLI::App* diff = heap->add_subcommand(
      "diff", "DevTools' Comparison view: per class # New, # Deleted, # Delta, Alloc. size, Freed size, Size "
              "delta, and the retained-size delta; objects matched by V8 object id (both snapshots of one process)");
  AddHeapOptions(diff, &o, true, 2);
  diff->add_option("--top", o.top, "classes to show (default 25 on a terminal, all with --json)");

  CLI::App* retainers = heap->add_subcommand(
      "retainers", "why an object is alive: its retaining paths from the GC roots, shortest first, as DevTools' "
                   "Retainers pane shows them (edge names, holders' classes and @ids)");
  AddHeapOptions(retainers, &o, true);
  retainers->add_option("OBJECT", o.target, "the object's id as DevTools shows it, e.g. @12345");
  retainers->add_option("--class", o.class_name,
                        "instead of one object: the biggest instances of this class (the name as `heap summary` "
                        "prints it)");
  retainers->add_option("--max-paths", o.max_paths,
                        "paths per object, at most one per direct retainer (default 5; 1 with --class)");
  retainers->add_option("--instances", o.instances, "with --class: how many of the biggest instances (default 3)");
  retainers->add_option("--max-depth", o.max_depth,
                        "hops shown per path after folding repeats; longer paths show their two ends (default 30)");

  CLI::App* leaks = heap->add_subcommand(
      "leaks", "memlab's leak definition for Node services: objects allocated after BASELINE and alive in every "
               "later snapshot, grouped by retaining path, with their growth; more than three snapshots: what grew "
               "across all of them");
  leaks->add_option("SNAPSHOTS", o.files, "BASELINE TARGET FINAL [MORE...]: snapshots of one process, oldest first")
      ->required()
      ->check(CLI::ExistingFile);
  AddHeapOptions(leaks, &o, true, 0);
  leaks->add_option("--top", o.top, "clusters to show (default 10; --json: all)");
  leaks->add_option("--max-depth", o.max_depth, "hops shown per path after folding repeats (default 30)");
  leaks->add_flag("--fail-on-leak", o.fail_on_leak, "exit 1 when a cluster grew above noise (for CI)");

  CLI::App* suspects = heap->add_subcommand(
      "suspects", "a leak-suspects report: big retainers with their accumulation point, and the shapes Node leaks "
                  "take (unbounded collections, listener growth, timers never cleared, promises piling up, closures "
                  "keeping big values, duplicated strings, log arrays, external memory), each with a fix");
  AddHeapOptions(suspects, &o, true);
  suspects->add_option("--baseline", o.baseline,
                       "an earlier snapshot of the same process: collections, listener lists and timers count only if "
                       "they grew since")
      ->check(CLI::ExistingFile);
  suspects->add_option("--top", o.top, "suspects to show (default 10; --json: all)");
  suspects->add_option("--max-depth", o.max_depth, "hops shown per path after folding repeats (default 30)");

  oomkit::cli::GcOptions go;
  CLI::App* gc = app.add_subcommand(
      "gc", "read a --trace-gc log (also -verbose, -nvp; Node 16-26; several isolates; the OOM's \"Last few GCs\"): "
            "pauses, GC share, the heap floor after major GCs and its trend, reclaim, and a verdict: js-heap-leak, "
            "bounded-high-usage, gc-churn, healthy or insufficient-data");
  gc->add_option("LOG", go.file, "the log (node --trace-gc app.js >gc.log); - for standard input")->required();
  gc->add_flag("--json", go.json, "print one JSON object instead of text (sizes in MB, times in ms)");
  gc->add_option("--heap-limit", go.heap_limit_mb,
                 "the old-space limit in MB (--max-old-space-size), to judge how close the floor is and when it "
                 "reaches the limit")
      ->check(CLI::PositiveNumber);
  gc->add_option("--window", go.window_ms, "sliding window in ms for mutator utilization (default 1000)")
      ->check(CLI::PositiveNumber);
  gc->add_option("--svg", go.svg, "also draw the heap, the floor and its trend, and the pauses into this new SVG file");

  oomkit::cli::CrashOptions co;
  CLI::App* crash = app.add_subcommand(
      "crash", "read the stderr of a process that died: which V8 OOM (Reached heap limit, Ineffective "
               "mark-compacts, CALL_AND_RETRY_LAST), the last GCs, the JS and native stacks, invalid-size and "
               "native OOMs, a worker's OOM; with --exit-status, kernel/cgroup OOM kills and PID 1; what to try next");
  crash->add_option("FILE", co.file, "the process's stderr (node app.js 2>err.log)")->required()->check(CLI::ExistingFile);
  crash->add_option("--exit-status", co.exit_status,
                    "the exit status the shell saw ($?): 134 SIGABRT (V8 OOM), 137 SIGKILL (kernel or cgroup OOM "
                    "killer), 139 SIGSEGV (V8 OOM as PID 1), 133 SIGTRAP (invalid size)")
      ->check(CLI::Range(0, 255));
  crash->add_flag("--json", co.json, "print one JSON object instead of text");

  oomkit::cli::ReportOptions ro;
  CLI::App* report = app.add_subcommand(
      "report", "read a Node diagnostic report (--report-on-fatalerror, process.report): heap spaces, the heap limit "
                "against the container's and the machine's memory, RSS vs heap vs external, stacks, libuv handles, "
                "the Node version and flags");
  report->add_option("FILE", ro.file, "the report (report.*.json)")->required()->check(CLI::ExistingFile);
  report->add_flag("--json", ro.json, "print one JSON object instead of text (sizes in bytes)");

  oomkit::cli::ProfileOptions po;
  CLI::App* profile = app.add_subcommand(
      "profile", "read a sampling heap profile (--heap-prof, or the inspector's sampling heap profiler): the "
                 "allocation sites holding the most memory, by self and by total size, as a list and a tree; "
                 "--pprof writes it for go tool pprof and speedscope");
  profile->add_option("FILE", po.file, "the profile (*.heapprofile)")->required()->check(CLI::ExistingFile);
  profile->add_flag("--json", po.json, "print one JSON object instead of text (sizes in bytes)");
  profile->add_option("--top", po.top, "allocation sites to list (default 15)");
  profile->add_flag("--tree", po.tree, "also print the call tree (nodes over 1 %)");
  profile->add_option("--depth", po.depth, "levels of the call tree (default 12)")->check(CLI::Range(1, 200));
  profile->add_option("--pprof", po.pprof, "also write the profile in pprof format (gzip) to this new file");

  oomkit::cli::LoadOptions lo;
  CLI::App* load = app.add_subcommand(
      "load", "an HTTP/1.1 load generator for reproducing leaks: closed loop (like wrk) or an open loop that keeps "
              "the promised rate while the server slows down (--rate, --steps, --ramp), latency from the due time, "
              "every request accounted for, a one-second timeline to join with memory samples");
  load->add_option("URL", lo.urls,
                   "http://HOST[:PORT]/PATH[?QUERY][#WEIGHT]; several URLs of one host share the connections, "
                   "#3 sends a URL three times as often as one of weight 1")
      ->required();
  load->add_option("-c,--connections", lo.connections,
                   "connections (default 50); the open loop has at most this many requests in flight")
      ->check(CLI::Range(1, 100000));
  load->add_option("-t,--threads", lo.threads, "sender threads, each with its own share of the connections (default 1)")
      ->check(CLI::Range(1, 64));
  load->add_option("-d,--duration", lo.duration,
                   "how long to send after the warm-up (10s, 2m); strict: the run stops then even if the server hangs");
  load->add_option("-n,--requests", lo.requests, "send this many requests after the warm-up, then wait for their answers")
      ->check(CLI::PositiveNumber);
  load->add_option("--rate", lo.rate, "open loop at this many requests per second, spaced evenly");
  load->add_option("--steps", lo.steps,
                   "open loop in steps, RATE:DURATION,...: \"0:5s,2000:30s,500:30s\" (a step from zero to peak is the "
                   "case gradual ramps miss)");
  load->add_option("--ramp", lo.ramp, "open loop ramping linearly, FROM:TO:DURATION, then holding TO until -d");
  load->add_option("-m,--method", lo.method, "the HTTP method (default GET)");
  load->add_option("-H,--header", lo.headers, "a request header 'Name: value' (repeat for more)");
  load->add_option("-b,--body", lo.body, "the request body (sets Content-Length)");
  load->add_option("--body-file", lo.body_file, "read the request body from this file")->check(CLI::ExistingFile);
  load->add_flag("--unique-ids", lo.unique_ids,
                 "put a distinct number in every request, as id=N in the query and as X-Request-Id: N (caches keyed "
                 "by id are the classic leak); ids start at the Unix time x 10^6, so later runs do not repeat them");
  load->add_option("--id-start", lo.id_start, "with --unique-ids: the first id (to repeat a run's ids exactly)");
  load->add_option("--reconnect-every", lo.reconnect_every,
                   "close each connection after this many responses and open a new one (per-connection state leaks)");
  load->add_option("--timeout", lo.timeout,
                   "a request without its whole response after this long fails as a timeout and its socket is "
                   "closed; also the connect timeout (default 10s)");
  load->add_option("--warmup", lo.warmup, "send for this long first (the open loop at its first non-zero rate); not counted");
  load->add_flag("--json", lo.json, "print one JSON object instead of text (latencies in microseconds)");
  load->add_option("--timeline", lo.timeline,
                   "write one JSON line per second to this new file: sent, completed, errors, late, in flight, rates, "
                   "latency percentiles, with the Unix time in ms (ts) to join memory samples to");
  load->add_option("--max-error-rate", lo.max_error_rate,
                   "exit 1 when failed requests and non-2xx responses are more than this share of those sent (1%)");
  load->add_option("--max-p99", lo.max_p99, "exit 1 when the p99 latency (from the due time) is over this (200ms)");
  load->add_flag("!--no-progress", lo.progress, "no progress line on stderr (there is none when stderr is not a terminal)");
  load->add_flag("!--no-batch-writes", lo.batch_writes,
                 "write each request as soon as its connection is free, as wrk does, instead of after the reads of "
                 "the loop turn; for comparisons");
  load->add_option("--poll-interval", lo.poll_interval,
                   "while answers keep coming, nap this long on a timer and take what arrived, instead of sleeping on "
                   "the sockets, where each answer's wake-up costs the server's CPU (default: 50us in the closed loop, "
                   "0 = always sleep on them in the open loop); latencies can read up to this much long");

  oomkit::cli::LimitsOptions lim;
  CLI::App* limits = app.add_subcommand(
      "limits", "what this machine or container allows: RAM, the cgroup v1/v2 memory limit, the heap limit Node "
                "picks here by default, and the --max-old-space-size to use, with warnings (a heap limit at or above "
                "the container's, Node < 20 under cgroup v2)");
  limits->add_flag("--json", lim.json, "print one JSON object instead of text (sizes in bytes)");
  limits->add_option("--node", lim.node, "the node binary to ask (default: node on PATH)");
  limits->add_option("--node-major", lim.node_major,
                     "predict for this Node major version (16-26) instead of asking node")
      ->check(CLI::Range(10, 40));
  limits->add_option("--root", lim.root,
                     "read proc/ and sys/ below this folder instead of / (a copy of another machine's files, tests)")
      ->check(CLI::ExistingDirectory);

  oomkit::cli::RunOptions run_o;
  CLI::App* run = app.add_subcommand(
      "run", "run a Node service (or npm run build, npx webpack, ...) with the diagnostic flags added to its own: GC "
             "trace into DIR/gc.log (taken out of its stdout, which passes through unchanged), memory samples from every "
             "node process into DIR/timeline.ndjson, heap snapshots near the limit, a report at a fatal error; then how "
             "it died, and its exit status as oomkit's");
  run->add_option("--heap-limit", run_o.heap_limit,
                  "the old-space limit to run with: a size in MB (--max-old-space-size), or auto: 75 % of the machine's "
                  "or container's memory less the young generation (see oomkit limits)");
  run->add_option("--snapshot-at", run_o.snapshot_at,
                  "take a heap snapshot (SIGUSR2) when the heap reaches this share of the old space's limit (default 75%: "
                  "V8 gives up from 80 % when GCs stop freeing memory, so 85 % can be too late; 0: never); each further "
                  "one 5 % later; skipped with a warning when the disk or memory cannot afford it");
  run->add_option("--snapshot-max", run_o.snapshot_max, "at most this many snapshots per process (default 3)")
      ->check(CLI::Range(0, 100));
  run->add_option("--sample", run_o.sample, "how often each node process reports its memory (default 500ms)");
  run->add_option("--snapshot-near-limit", run_o.snapshot_near_limit,
                  "pass --heapsnapshot-near-heap-limit=N: V8 writes up to N snapshots as it nears the limit (it raises "
                  "the limit while it writes: the container needs room)");
  run->add_option("--out", run_o.out, "the folder for the evidence, created new (default ./oomkit-run-DATE-TIME); 0700, its files 0600");
  run->add_option("--profile-every", run_o.profile_every,
                  "run V8's sampling heap profiler through the process's inspector (opened on 127.0.0.1, a random "
                  "port) and save its profile as DIR/heap-PID.heapprofile this often (30s): after an OOM the last one "
                  "shows where the retained memory was allocated (oomkit profile reads it)");
  run->add_option("--metrics", run_o.metrics,
                  "serve Prometheus text format on HOST:PORT/metrics (RSS, heap used/total/limit, external, event-loop "
                  "delay, GC counts and a GC pause histogram per node process, restarts) and /healthz/memory (JSON; 503 "
                  "when a heap is at 90 % of its limit); give a loopback address unless the network is yours");
  run->add_option("--restart", run_o.restart,
                  "on-crash: start the command again when it dies (not after a normal exit or a signal passed on), with a "
                  "back-off of 1 s doubling to 30 s; each run's evidence in DIR/run-N")
      ->check(CLI::IsMember({"on-crash"}));
  run->add_option("--max-restarts", run_o.max_restarts, "with --restart: at most this many restarts (default 5)")
      ->check(CLI::Range(0, 1000));
  run->add_flag("--json", run_o.json, "print the end summary as JSON on stderr (stdout is the application's)");
  run->add_option("COMMAND", run_o.command, "the command, after --: node [flags] app.js [args], or npm run build, ...")
      ->required();
  run->positionals_at_end();

  // diagnose and soak: the whole loop. Their load options are oomkit load's.
  oomkit::cli::DiagnoseOptions diag_o, soak_o;
  auto add_loop_options = [](CLI::App* c, oomkit::cli::DiagnoseOptions& d) {
    c->add_option("--load", d.load.urls,
                  "load the app with oomkit load's open loop at these URLs (repeat for more; URL#N weights); without it, "
                  "oomkit watches the app's own traffic");
    c->add_option("--load-spec", d.load_spec,
                  "a JSON file of load options: {\"urls\": [...], \"method\", \"headers\": [...], \"body\", \"rate\", "
                  "\"requests\", \"connections\", \"unique_ids\", \"timeout\"}")
        ->check(CLI::ExistingFile);
    c->add_option("--rate", d.load.rate, "requests per second in each load phase, an open loop started at full rate (default 500)");
    c->add_option("-c,--connections", d.load.connections, "connections of the load (default 50)");
    c->add_flag("--unique-ids", d.load.unique_ids, "a distinct id in each request (id=N in the query, X-Request-Id)");
    c->add_option("-m,--method", d.load.method, "the HTTP method (default GET)");
    c->add_option("-H,--header", d.load.headers, "a request header 'Name: value' (repeat for more)");
    c->add_option("-b,--body", d.load.body, "the request body");
    c->add_option("--timeout", d.load.timeout, "per-request timeout (default 10s)");
    c->add_option("--heap-limit", d.heap_limit,
                  "run the app with --max-old-space-size=MB: a small heap makes a leak show in minutes (and an OOM "
                  "is diagnosed from what survived)");
    c->add_option("--out", d.out, "the new folder for the evidence and the report (default oomkit-MODE-DATE-TIME)");
    c->add_option("--warmup", d.warmup, "load (or watch) this long before the baseline snapshot (default 3s; soak and watching: a tenth of --duration, at most 30s)");
    c->add_option("--ready-timeout", d.ready_timeout, "wait this long for the app's first answer (default 30s)");
    c->add_option("--tolerance", d.tolerance,
                  "growth of the heap after full GCs under which nothing counts as growing (default 5%, at least 1 MiB)");
    c->add_option("--junit", d.junit, "also write the verdict as JUnit XML to this new file (for CI)");
    c->add_flag("--json", d.json, "print report.json on stdout instead of the text verdict");
    c->add_option("COMMAND", d.command, "the command, after --: node [flags] app.js [args]")->required();
    c->positionals_at_end();
  };
  CLI::App* diagnose = app.add_subcommand(
      "diagnose",
      "the whole loop: run the app with the diagnostic flags, wait until it answers, warm up, snapshot (baseline), load, "
      "snapshot (target), the same load again, snapshot (final), watch it idle through full GCs, analyse all of it, and "
      "print one verdict (js-heap-leak, external-memory-leak, gc-churn-no-leak, bounded-high-usage, healthy) with the "
      "culprit, its retaining path and allocation site, the growth per 1,000 requests and the fix; DIR/report.html and "
      "report.json. Exit 0 no leak, 1 a leak, 2 the run failed");
  add_loop_options(diagnose, diag_o);
  diagnose->add_option("-n,--requests", diag_o.load.requests, "requests in each of the two load phases (default 10000)");
  diagnose->add_option("-d,--duration", diag_o.duration, "without --load: how long to watch the app's own traffic (default 60s)");
  CLI::App* soak = app.add_subcommand(
      "soak",
      "the CI gate: run the app under load for --duration and check that the heap after full GCs stays flat within "
      "--tolerance (baseline after the warm-up, then at half time and at the end). Exit 0 flat, 1 it grows (with the "
      "verdict and the culprit, as diagnose), 2 the run itself failed; --junit writes JUnit XML");
  add_loop_options(soak, soak_o);
  soak->add_option("-d,--duration", soak_o.duration, "how long to run (default 10m; the warm-up is a tenth of it, at most 30 s)");
  soak_o.soak = true;

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (*diagnose) return oomkit::cli::RunDiagnose(diag_o);
  if (*soak) return oomkit::cli::RunDiagnose(soak_o);
  if (*run) return oomkit::cli::RunRun(run_o);
  if (*load) return oomkit::cli::RunLoad(lo);
  if (*limits) return oomkit::cli::RunLimits(lim);
  if (*gc) return oomkit::cli::RunGc(go);
  if (*crash) return oomkit::cli::RunCrash(co);
  if (*report) return oomkit::cli::RunReport(ro);
  if (*profile) return oomkit::cli::RunProfile(po);
  if (*info) return oomkit::cli::RunHeapInfo(o);
  if (*summary) return oomkit::cli::RunHeapSummary(o);
  if (*dominators) return oomkit::cli::RunHeapDominators(o);
  if (*diff) return oomkit::cli::RunHeapDiff(o);
  if (*retainers) return oomkit::cli::RunHeapRetainers(o);
  if (*leaks) return oomkit::cli::RunHeapLeaks(o);
  if (*suspects) return oomkit::cli::RunHeapSuspects(o);
  return 2;
}
