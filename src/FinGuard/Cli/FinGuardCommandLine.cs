using FinGuard.Evidence;
using FinGuard.Hosting;
using Microsoft.Extensions.Options;

namespace FinGuard.Cli;

/// <summary>
/// <c>finguard</c> subcommands. Exit codes: 0 success, 1 the command ran and the answer is "no", 2 bad usage or input.
/// </summary>
public static class FinGuardCommandLine
{
    private const string Usage = """
        finguard — change-management compliance for GitHub

        Usage:
          finguard serve [--urls URL] [ASP.NET Core configuration switches]
              Run the webhook server (Kestrel). On Azure Functions the host starts finguard as its isolated worker instead.
              Storage: Azure when Storage:ConnectionString is set, else a local folder (Storage:LocalPath, default ./.finguard).
              Exit 1 without starting when the configuration is invalid, or when FinGuard:Mode=production and the
              evidence container is not verified write-once.
          finguard config validate FILE [--org]
              Check a policy file (.github/finguard.yml; --org for the organisation's .github repository finguard.yml).
              Prints FILE:LINE:COL: message for each problem (exit 1), or a one-line summary when it is valid (exit 0).
          finguard evaluate --offline DIR [--at 2026-12-31T15:00:00Z] [--json]
              Evaluate a pull request from saved GitHub REST responses (pull.json, commits.json, reviews.json,
              optional team-members.json, finguard.yml, org-finguard.yml) with the server's evaluator.
              Exit 0 when the conclusion is success, 1 when not, 2 for bad input.
          finguard evaluate deployment --offline DIR [--at TIME] [--json]
              Decide a deployment protection rule from saved GitHub responses (see 'finguard evaluate --help').
              Exit 0 approved, 1 rejected or waiting, 2 for bad input.
          finguard evidence export --repo OWNER/REPO [--from DATE] [--to DATE] --out BUNDLE.zip
              Export a repository's evidence for an auditor: records, GitHub inputs, checkpoints, manifest, report.html.
          finguard evidence verify BUNDLE.zip|FOLDER   (or: --live --repo OWNER/REPO)
              Check every hash, chain link and checkpoint. Exit 0 when intact, 1 naming each break.
          finguard evidence replay RECORD.json [--strict]
              Recompute a recorded decision from its own inputs and compare. Exit 0 when it matches, 1 when not.
              Storage for export and --live is configured like serve (--Storage:LocalPath=..., Storage:ConnectionString).
          finguard scans summarize FILE [--json]
              Summarise one scanner output file (Semgrep --json or SARIF 2.1.0 from any tool) the way the
              scan-status control reads it: findings by severity, suppressed findings, tool errors.
              Exit 0 when the file was read, 2 when it is unreadable or neither format.
          finguard deliveries list|show ID|retry ID|quarantine ID [storage switches]
              The delivery inbox: pending, failed and quarantined deliveries; retry or set one aside.
              Storage is configured like serve. 'finguard deliveries --help' for details.
          finguard demo [--dir DIR] [--verbose]
              A local demo of the whole product against a simulated GitHub (no account needed): pull requests, a
              second approval, deployments, then the evidence exported and verified. Leaves DIR (default ./finguard-demo).
          finguard version
              Print the version.
          finguard help
              Print this help.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var command = args.Length == 0 ? "help" : args[0];
        var rest = args.Skip(1).ToArray();
        if (CommandHelp.IsRequested(rest) && HelpOf(command) is { } help)
        {
            await stdout.WriteLineAsync(help);
            return 0;
        }

        switch (command)
        {
            case "serve":
                return await ServeAsync(rest, stderr);
            case "config":
                return await ConfigCommand.RunAsync(rest, stdout, stderr);
            case "evaluate":
                return await EvaluateCommand.RunAsync(rest, stdout, stderr, TimeProvider.System);
            case "evidence":
                return await EvidenceCommand.RunAsync(rest, stdout, stderr, TimeProvider.System);
            case "scans":
                return await ScansCommand.RunAsync(rest, stdout, stderr);
            case "deliveries":
                return await DeliveriesCommand.RunAsync(rest, stdout, stderr);
            case "demo":
                return await Demo.DemoCommand.RunAsync(rest, stdout, stderr);
            case "version" or "--version":
                await stdout.WriteLineAsync(FinGuardApp.Version);
                return 0;
            case "help" or "--help" or "-h":
                await stdout.WriteLineAsync(Usage);
                return 0;
            default:
                await stderr.WriteLineAsync($"finguard: unknown command '{command}'. Run 'finguard help' for the list of commands.");
                return 2;
        }
    }

    private static string? HelpOf(string command) => command switch
    {
        "serve" => CommandHelp.Serve,
        "config" => ConfigCommand.Usage,
        "evaluate" => CommandHelp.Evaluate,
        "evidence" => EvidenceCommand.Usage,
        "scans" => CommandHelp.Scans,
        "deliveries" => CommandHelp.Deliveries,
        "demo" => CommandHelp.Demo,
        "version" or "help" => Usage,
        _ => null,
    };

    /// <summary>
    /// <c>finguard serve</c>. The configuration and the <c>FinGuard:Mode</c> evidence check are run before the host starts,
    /// so that a refusal ends the process with one message on stderr and exit code 1, not with the host's stack trace.
    /// </summary>
    private static async Task<int> ServeAsync(string[] args, TextWriter stderr)
    {
        await using var app = FinGuardApp.Build(args);
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
            await app.Services.GetRequiredService<EvidenceModeStartupCheck>().StartAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is OptionsValidationException
            || (ex is AggregateException all && all.InnerExceptions.All(e => e is OptionsValidationException)))
        {
            var failures = ex is OptionsValidationException one
                ? one.Failures
                : ((AggregateException)ex).InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures);
            await stderr.WriteLineAsync($"finguard serve: refusing to start: the configuration is invalid: {string.Join(" ", failures)}");
            return 1;
        }
        catch (EvidenceModeException ex)
        {
            await stderr.WriteLineAsync(
                $"finguard serve: refusing to start: {ex.Message}{Environment.NewLine}"
                + "To fix it, either lock a time-based retention policy on the evidence container (version-level immutability, "
                + "as infra/main.bicep sets up; see docs/evidence.md), or, against Azurite or a local folder, run in development "
                + "mode: --FinGuard:Mode=development (environment: FinGuard__Mode=development).");
            return 1;
        }

        if (ListenAddresses.FirstInUse(app.Configuration) is { } taken)
        {
            await stderr.WriteLineAsync(ListenAddresses.InUseMessage(taken));
            return 1;
        }

        try
        {
            await app.RunAsync();
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            // Taken between the check above and Kestrel's bind.
            await stderr.WriteLineAsync(ListenAddresses.InUseMessage(ex.Message));
            return 1;
        }

        return 0;
    }
}
