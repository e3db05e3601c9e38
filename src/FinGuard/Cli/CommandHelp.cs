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
          finguard.yml          the repository policy from the base branch         absent: the documented defaults
          org-finguard.yml      the organisation policy (.github repository)
          check-runs.json       GET /repos/{o}/{r}/commits/{sha}/check-runs          for scan-status
          scans/ARTIFACT/FILE   scanner output files (Semgrep --json, SARIF) as they are inside each artifact
          files.json            GET /repos/{o}/{r}/pulls/{n}/files (all pages as one array), for code owners
                                and approval rules; absent: they fail closed
          CODEOWNERS            the base branch's CODEOWNERS, raw text; absent: code owners fail closed
        docs/examples/ has complete folders.
        """;

    public const string Scans = """
        Usage:
          finguard scans summarize FILE [--json]
              Summarise one scanner output file (Semgrep --json or SARIF 2.1.0 from any tool) the way the scan-status
              control reads it: findings by severity, suppressed findings, tool errors.
              Exit 0 when the file was read, 2 when it is unreadable or neither format.
        """;

    /// <summary>True when the arguments ask for help before any <c>--</c> that ends the options.</summary>
    public static bool IsRequested(IEnumerable<string> args) =>
        args.TakeWhile(a => a != "--").Any(a => a is "--help" or "-h");
}
