using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Cli;

/// <summary>
/// <c>finguard config validate FILE [--org]</c>: checks a policy file the way FinGuard reads it. Prints each problem
/// as <c>FILE:LINE:COL: message</c> on standard output and exits 1; prints a one-line summary of the policy the
/// file gives and exits 0 when it is valid; exits 2 for bad usage or a file that cannot be read.
/// </summary>
internal static class ConfigCommand
{
    public const string Usage = """
        Usage:
          finguard config validate FILE [--org]
              Check a policy file (.github/finguard.yml). Prints FILE:LINE:COL: message for each problem (exit 1),
              or a summary of the policy it gives (exit 0). --org checks it as the organisation's file
              (finguard.yml in the organisation's .github repository), which may mark sections 'enforced'.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        switch (args.FirstOrDefault())
        {
            case "validate":
                return await ValidateAsync(args[1..], stdout, stderr);
            case "help" or "--help" or "-h":
                await stdout.WriteLineAsync(Usage);
                return 0;
            case null:
                await stderr.WriteLineAsync($"finguard config: missing subcommand.{Environment.NewLine}{Usage}");
                return 2;
            case var other:
                await stderr.WriteLineAsync($"finguard config: unknown subcommand '{other}'.{Environment.NewLine}{Usage}");
                return 2;
        }
    }

    private static async Task<int> ValidateAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var kind = PolicyFileKind.Repository;
        var files = new List<string>();
        var optionsEnded = false;
        foreach (var arg in args)
        {
            switch (arg)
            {
                case "--org" when !optionsEnded:
                    kind = PolicyFileKind.Organisation;
                    break;
                case "--help" or "-h" when !optionsEnded:
                    await stdout.WriteLineAsync(Usage);
                    return 0;
                case "--" when !optionsEnded:
                    optionsEnded = true;
                    break;
                case ['-', _, ..] when !optionsEnded:
                    await stderr.WriteLineAsync($"finguard config validate: unknown option '{arg}'.{Environment.NewLine}{Usage}");
                    return 2;
                default:
                    files.Add(arg);
                    break;
            }
        }

        if (files.Count != 1)
        {
            var what = files.Count == 0 ? "missing FILE" : "give exactly one FILE";
            await stderr.WriteLineAsync($"finguard config validate: {what}.{Environment.NewLine}{Usage}");
            return 2;
        }

        var file = files[0];
        var (bytes, error) = await ReadAsync(file);
        if (bytes is null)
        {
            await stderr.WriteLineAsync($"finguard config validate: {file}: {error}");
            return 2;
        }

        var result = PolicyFileParser.Parse(bytes, kind);
        if (!result.IsValid)
        {
            foreach (var problem in result.Problems)
            {
                await stdout.WriteLineAsync($"{file}:{problem.Line}:{problem.Column}: {problem.Message}");
            }

            return 1;
        }

        await stdout.WriteLineAsync($"{file}: valid — {Summarise(result.Document)}");
        return 0;
    }

    /// <summary>
    /// Reads at most one byte more than the parser accepts, so a huge file is reported as too large without being
    /// loaded. Null bytes and a specific reason when the file cannot be read.
    /// </summary>
    private static async Task<(byte[]? Bytes, string? Error)> ReadAsync(string file)
    {
        if (Directory.Exists(file))
        {
            return (null, "is a directory, not a policy file");
        }

        try
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            var buffer = new byte[PolicyFileParser.MaxFileBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length))) > 0)
            {
                length += read;
            }

            return (buffer[..length], null);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, "no such file");
        }
        catch (UnauthorizedAccessException)
        {
            return (null, "cannot read the file: permission denied");
        }
        catch (IOException ex)
        {
            return (null, $"cannot read the file: {ex.Message}");
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return (null, "not a valid file path");
        }
    }

    /// <summary>
    /// The policy the file gives on its own (over FinGuard's defaults), e.g.
    /// <c>signed-commits (gpg, ssh, smime; web-flow allowed), separation-of-duties (2 approvals, changes-requested blocks), branches: $default</c>.
    /// </summary>
    internal static string Summarise(PolicyDocument document)
    {
        var policy = document.Kind == PolicyFileKind.Organisation
            ? PolicyResolver.Resolve(document, null).Policy
            : PolicyResolver.Resolve(null, document).Policy;

        var signed = policy.SignedCommits;
        var signedParts = new List<string>();
        if (document.SignedCommits?.IsEnforced == true)
        {
            signedParts.Add("enforced");
        }

        if (signed.Enabled)
        {
            signedParts.Add(string.Join(", ", signed.AllowedKinds.Select(Name)));
            signedParts.Add(signed.AllowWebFlow ? "web-flow allowed" : "web-flow not allowed");
            if (!signed.AllowedSigners.IsEmpty)
            {
                signedParts.Add($"signers: {string.Join(", ", signed.AllowedSigners)}");
            }
        }
        else
        {
            signedParts.Add("off");
        }

        var duties = policy.SeparationOfDuties;
        var dutyParts = new List<string>();
        if (document.SeparationOfDuties?.IsEnforced == true)
        {
            dutyParts.Add("enforced");
        }

        if (duties.Enabled)
        {
            var approvals = duties.RequiredApprovals == 1 ? "1 approval" : $"{duties.RequiredApprovals} approvals";
            dutyParts.Add($"{approvals}, {(duties.BlockOnChangesRequested ? "changes-requested blocks" : "changes-requested does not block")}");
            AddList(dutyParts, "excluded", duties.ExcludedApprovers);
            AddList(dutyParts, "approvers from", duties.ApproverTeams);
            if (!duties.RequireWriteAccess)
            {
                dutyParts.Add("approvals without write access count");
            }

            if (!duties.LastPusherCannotApprove)
            {
                dutyParts.Add("the last pusher may approve");
            }

            if (duties.CodeOwners)
            {
                dutyParts.Add("code owners must approve");
            }

            if (!duties.ApprovalRules.IsDefaultOrEmpty)
            {
                dutyParts.Add("approval rules: " + string.Join(", ", duties.ApprovalRules.Select(r =>
                    $"{r.Name} ({r.RequiredApprovals}{(r.ApproverTeams.IsDefaultOrEmpty ? "" : " from " + string.Join(" or ", r.ApproverTeams))}{(r.AddedLinesMatch.IsDefaultOrEmpty ? "" : ", on matching added lines")})")));
            }
        }
        else
        {
            dutyParts.Add("off");
        }

        return $"{SignedCommitsSection.Key} ({string.Join("; ", signedParts)}), "
            + $"{SeparationOfDutiesSection.Key} ({string.Join("; ", dutyParts)}), "
            + FreezeWindowSummary(document, policy.FreezeWindow)
            + $"branches: {string.Join(", ", policy.Branches)}";
    }

    /// <summary>"freeze-window (Month-end close, Christmas freeze; break-glass: emergency-change by octo-org/cab for 4h), " when the file has the section.</summary>
    private static string FreezeWindowSummary(PolicyDocument document, Core.Freeze.FreezeWindowPolicy freeze)
    {
        if (document.FreezeWindow is null)
        {
            return "";
        }

        var parts = new List<string>();
        if (document.FreezeWindow.IsEnforced)
        {
            parts.Add("enforced");
        }

        if (!freeze.Enabled)
        {
            parts.Add("off");
        }
        else
        {
            parts.Add(freeze.Windows.IsEmpty ? "no windows" : string.Join(", ", freeze.Windows.Select(w => w.Name)));
            parts.Add(freeze.BreakGlass is { } glass
                ? $"break-glass: {glass.Label} by {string.Join(", ", glass.ApproverTeams)} for {Core.Freeze.FreezeWindowControl.Duration(glass.MaxDuration)}"
                : "no break-glass");
        }

        return $"{FreezeWindowSection.Key} ({string.Join("; ", parts)}), ";
    }

    private static void AddList(List<string> parts, string label, ImmutableArray<string> values)
    {
        if (!values.IsEmpty)
        {
            parts.Add($"{label}: {string.Join(", ", values)}");
        }
    }

    private static string Name(SignatureKind kind) => kind.ToString().ToLowerInvariant();
}
