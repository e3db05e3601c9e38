namespace FinGuard.Cli;

/// <summary>
/// Each command's own help, printed by <c>finguard COMMAND --help</c> (or <c>-h</c>) with exit code 0 before the command
/// does anything: <c>serve --help</c> must not start a server, and <c>evaluate --help</c> must not ask for a folder.
/// </summary>
public static class CommandHelp
{
    public const string Serve = """
        Usage:
          finguard serve [--urls URL] [--Section:Key=value ...]
              Run the webhook server on Kestrel (default http://127.0.0.1:5080) with its delivery worker and timers.
              Storage: Azure when Storage:ConnectionString (or Storage:BlobServiceUri and Storage:TableServiceUri) is
              set, else the local folder Storage:LocalPath (default ./.finguard, relative to the current directory).
              Settings come from appsettings.json, environment variables (GitHub__WebhookSecret) or switches
              (--GitHub:WebhookSecret=...); README.md lists them.
              Exit 1 without starting when the configuration is invalid, the port is in use, or FinGuard:Mode=production
              and the evidence container is not verified write-once.
        """;

    public const string Evaluate = """
        Usage:
          finguard evaluate --offline DIR [--at 2026-12-31T15:00:00Z] [--json]
              Evaluate a pull request from GitHub REST responses saved in DIR, with the evaluator the server uses.
              --at   the evaluation time, ISO 8601 with its offset (default: now); freeze windows are judged at it.
              --json print the result tree as JSON instead of the check run's Markdown.
              Exit 0 when the conclusion is success, 1 when it is not, 2 for bad usage or unreadable input.

        Files DIR may hold (each exactly as GitHub returns it; an optional file that is missing means "unknown",
        and a control that needs it fails closed saying so):
          pull.json             GET /repos/{o}/{r}/pulls/{n}                         required
          commits.json          GET /repos/{o}/{r}/pulls/{n}/commits (all pages)    required (up to 3,000)
          reviews.json          GET /repos/{o}/{r}/pulls/{n}/reviews (all pages)    absent: no reviews
          team-members.json     {"org/team": ["login", ...]} for the policy's approver and break-glass teams
          permissions/LOGIN.json  GET /repos/{o}/{r}/collaborators/{LOGIN}/permission, per reviewer
                                absent: that reviewer's permission is unknown, so their approval does not count
          issue-events.json     GET /repos/{o}/{r}/issues/{n}/events (all pages as one array): who added the
                                break-glass label, and when; absent: break-glass cannot be verified
          head-push.json        the pull_request webhook delivery (opened, synchronize, reopened) that set the
                                head: its sender pushed it; absent: the pusher is unknown
          compare/BASE...HEAD.json  GET /repos/{o}/{r}/compare/BASE...HEAD (a branch name URL-encoded, / as %2F),
                                for ignore-update-merges: per update merge M with parents P1, P2: BASEBRANCH...P2,
                                P1...M and P1...P2; absent: that merge does not carry approvals over
          finguard.yml          the repository policy from the base branch         absent: the documented defaults
          org-finguard.yml      the organisation policy (.github repository)
          check-runs.json       GET /repos/{o}/{r}/commits/{sha}/check-runs          for scan-status
          scans/ARTIFACT/FILE   scanner output files (Semgrep --json, SARIF) as they are inside each artifact
          files.json            GET /repos/{o}/{r}/pulls/{n}/files (all pages as one array), for code owners
                                and approval rules; absent: they fail closed
          CODEOWNERS            the base branch's CODEOWNERS, raw text; absent: code owners fail closed
        docs/examples/ has complete folders.

          finguard evaluate deployment --offline DIR [--at 2026-12-31T15:00:00Z] [--json]
              Decide a deployment protection rule from GitHub responses saved in DIR, with the deployment gate's
              evaluation. Exit 0 approved, 1 rejected or waiting, 2 for bad usage or unreadable input.

        Files DIR may hold for a deployment (each exactly as GitHub returns it):
          deployment_protection_rule.json  the webhook delivery body that asked                 required
          workflow-run.json     GET /repos/{o}/{r}/actions/runs/{run_id}                      required
          approvals.json        GET /repos/{o}/{r}/actions/runs/{run_id}/approvals (all pages) required
          commit-pulls.json     GET /repos/{o}/{r}/commits/{sha}/pulls                        required
          tag-refs.json         GET /repos/{o}/{r}/git/matching-refs/tags/{ref}               required for a short ref
          pull-requests/N/      an 'evaluate --offline' folder per pull request of commit-pulls.json; it is
                                evaluated at --at and stands for FinGuard's decision (absent: no decision, so
                                the chain of custody fails)
          finguard.yml, org-finguard.yml, team-members.json, permissions/LOGIN.json (environment reviewers),
          check-runs.json, scans/ARTIFACT/FILE  as for a pull request (the policy is the default branch's)
        docs/examples/deployment-approved and deployment-rejected are complete folders.
        """;

    public const string Scans = """
        Usage:
          finguard scans summarize FILE [--json]
              Summarise one scanner output file (Semgrep --json or SARIF 2.1.0 from any tool) the way the scan-status
              control reads it: findings by severity, suppressed findings, tool errors.
              Exit 0 when the file was read, 2 when it is unreadable or neither format.
        """;

    /// <summary><c>finguard deliveries</c>: the operator's view of the delivery inbox (<see cref="DeliveriesCommand"/>).</summary>
    public const string Deliveries = """
        Usage:
          finguard deliveries list [--state pending|failed|quarantined|all] [storage switches]
              List pending, permanently failed and quarantined deliveries (default: all three), oldest first.
              Listing pending deliveries quarantines any entry that cannot be read back, as the server does.
          finguard deliveries show ID [--body] [storage switches]
              Show one delivery: event, repository, state, attempts, last error, body size and SHA-256
              (--body: the body as stored), or its quarantined entries and why they were set aside.
          finguard deliveries retry ID [storage switches]
              Make a permanently failed delivery pending again, or put a quarantined one back (after repairing it),
              attempts reset. The server's redelivery sweep (every 10 minutes) processes it.
          finguard deliveries quarantine ID [--reason TEXT] [storage switches]
              Set a delivery aside (moved, never deleted) so that the server no longer processes it.
              'retry' puts it back.
        Exit 0 done; 1 no such delivery, or the change was refused (completed, or GitHub redelivered it meanwhile);
        2 bad usage or storage that cannot be opened.
        Storage switches are read like 'finguard serve': --Storage:LocalPath=DIR, --Storage:ConnectionString=...,
        --Storage:BlobServiceUri=... --Storage:TableServiceUri=..., or the same settings from the environment
        (Storage__LocalPath) or appsettings.json.
        """;

    public const string Demo = """
        Usage:
          finguard demo [--dir DIR] [--verbose]
              A SIMULATION of FinGuard on this machine, with no GitHub account: the real server (development mode,
              local store) runs against a simulated GitHub API on 127.0.0.1 that answers with the recorded GitHub
              responses of docs/examples/. The demo sends it signed webhook deliveries and prints each check run and
              each deployment answer: a pull request waiting for a second approval, that approval turning it green, a
              pull request that fails (unsigned commit, self-approval), a deployment approved and one rejected. Then it
              exports the evidence to DIR/evidence.zip (report: DIR/report.html) and verifies it.
              --dir      where to put the store and the export (default ./finguard-demo); a folder an earlier demo
                         made is replaced, any other non-empty folder is refused.
              --verbose  show FinGuard's own log lines.
              Exit 0 when every step had the expected outcome, 1 naming each that did not, 2 for bad usage.
        """;

    /// <summary>True when the arguments ask for help before any <c>--</c> that ends the options.</summary>
    public static bool IsRequested(IEnumerable<string> args) =>
        args.TakeWhile(a => a != "--").Any(a => a is "--help" or "-h");
}
