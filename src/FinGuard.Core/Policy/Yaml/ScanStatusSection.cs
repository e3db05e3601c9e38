using System.Collections.Immutable;
using System.Globalization;
using FinGuard.Core.Scans;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// The <c>scan-status</c> section of a policy file (<see cref="ScanStatusPolicy"/> once resolved).
/// Under an enforced organisation section a repository may only strengthen it: <c>enabled</c> and
/// <c>fail-on-tool-errors</c> stay on, <c>threshold</c> may only go lower, the repository's required checks and
/// artifacts are added to the organisation's, and waivers can only come from the organisation's file.
/// </summary>
public sealed record ScanStatusSection : PolicySection
{
    public const string Key = "scan-status";

    /// <summary>Conclusions a required check may be allowed to end with.</summary>
    public static readonly ImmutableArray<string> AllowableConclusions = ["success", "neutral", "skipped"];

    public PolicySetting<bool>? Enabled { get; init; }

    public PolicySetting<ScanSeverity>? Threshold { get; init; }

    public PolicySetting<bool>? FailOnToolErrors { get; init; }

    public PolicySetting<ImmutableArray<RequiredCheck>>? RequiredChecks { get; init; }

    public PolicySetting<ImmutableArray<ScanArtifact>>? Artifacts { get; init; }

    public PolicySetting<ImmutableArray<ScanWaiver>>? Waivers { get; init; }

    internal static ScanStatusSection Read(PolicyMappingReader reader, PolicyFileKind kind) => new()
    {
        Line = reader.Line,
        Column = reader.Column,
        Enabled = reader.Boolean("enabled"),
        Enforced = ReadEnforced(reader, kind),
        Threshold = ReadThreshold(reader),
        FailOnToolErrors = reader.Boolean("fail-on-tool-errors"),
        RequiredChecks = ReadList(reader, "required-checks", "a check ('name: …', or just the check's name)", ReadCheck, c => $"{c.Name}|{c.App}"),
        Artifacts = ReadList(reader, "artifacts", "an artifact ('name: …' and 'files: […]')", ReadArtifact, a => a.Name),
        Waivers = ReadList(reader, "waivers", "a waiver ('rule:' or 'fingerprint:', 'expires:', 'approved-by:')", ReadWaiver, null),
    };

    internal static ScanStatusPolicy Resolve(
        ScanStatusPolicy defaults, ScanStatusSection? organisation, ScanStatusSection? repository, List<PolicyProblem> problems) =>
        EnforcedMerge.Resolve(Key, defaults, organisation, repository, problems, Apply, (policy, repository, merge) =>
        {
            var threshold = merge.AtMost("threshold", policy.Threshold, repository.Threshold, severity => $"'{severity.Name()}'", "higher");
            if (repository.Waivers is { Value.Length: > 0 } waivers)
            {
                problems.Add(new PolicyProblem(
                    waivers.Line,
                    waivers.Column,
                    $"{Key}.waivers: the organisation enforces {Key}, so waivers can only be granted in the organisation's policy file; these {waivers.Value.Length} waiver(s) are ignored"));
            }

            return policy with
            {
                Enabled = merge.Flag("enabled", policy.Enabled, repository.Enabled, stronger: true),
                Threshold = threshold,
                FailOnToolErrors = merge.Flag("fail-on-tool-errors", policy.FailOnToolErrors, repository.FailOnToolErrors, stronger: true),
                RequiredChecks = [.. policy.RequiredChecks.Concat(repository.RequiredChecks?.Value ?? []).Distinct()],
                Artifacts = [.. policy.Artifacts.Concat((repository.Artifacts?.Value ?? []).Where(a => !policy.Artifacts.Any(o => o.Name == a.Name && o.Files.SequenceEqual(a.Files) && o.Workflow == a.Workflow)))],
            };
        });

    /// <summary>Every setting the section sets replaces the current value (whole lists).</summary>
    private static ScanStatusPolicy Apply(ScanStatusPolicy policy, ScanStatusSection? section) => section is null
        ? policy
        : policy with
        {
            Enabled = section.Enabled?.Value ?? policy.Enabled,
            Threshold = section.Threshold?.Value ?? policy.Threshold,
            FailOnToolErrors = section.FailOnToolErrors?.Value ?? policy.FailOnToolErrors,
            RequiredChecks = section.RequiredChecks?.Value ?? policy.RequiredChecks,
            Artifacts = section.Artifacts?.Value ?? policy.Artifacts,
            Waivers = section.Waivers?.Value ?? policy.Waivers,
        };

    private static PolicySetting<ScanSeverity>? ReadThreshold(PolicyMappingReader reader)
    {
        if (FreezeWindowSection.Text(reader, "threshold", out var node) is not { } text)
        {
            return null;
        }

        if (ScanSeverityNames.TryParse(text.Value.Trim(), out var severity))
        {
            return new PolicySetting<ScanSeverity>(severity, text.Line, text.Column);
        }

        reader.Report(node!.Line, node.Column, reader.PathOf("threshold"), $"'{text.Value}' is not a severity; write one of critical, high, medium, low, info (findings at or above it fail)");
        return null;
    }

    /// <summary>A list whose entries are read by <paramref name="readItem"/>; entries with the same <paramref name="identity"/> are reported.</summary>
    private static PolicySetting<ImmutableArray<T>>? ReadList<T>(
        PolicyMappingReader reader, string key, string expected, Func<PolicyMappingReader, YamlNode, string, T?> readItem, Func<T, string>? identity)
        where T : class
    {
        if (reader.Find(key) is not { } entry || entry.Value is ReportedNode)
        {
            return null;
        }

        var path = reader.PathOf(key);
        if (entry.Value is not SequenceNode sequence)
        {
            var hint = entry.Value is ScalarNode { IsNull: true } ? "; write [] for none" : string.Empty;
            reader.Report(entry.Value.Line, entry.Value.Column, path, $"expected a list, each entry {expected}, got {entry.Value.Description}{hint}");
            return null;
        }

        var valid = true;
        var items = ImmutableArray.CreateBuilder<T>();
        var seen = new Dictionary<string, YamlNode>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var node = sequence.Items[i];
            var itemPath = $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (node is ReportedNode)
            {
                valid = false;
                continue;
            }

            var item = readItem(reader, node, itemPath);
            if (item is null)
            {
                valid = false;
                continue;
            }

            if (identity is not null && !seen.TryAdd(identity(item), node))
            {
                var first = seen[identity(item)];
                reader.Report(node.Line, node.Column, itemPath, $"is listed twice (also at {first.Line}:{first.Column}); keep one");
                valid = false;
                continue;
            }

            items.Add(item);
        }

        return valid ? new PolicySetting<ImmutableArray<T>>(items.ToImmutable(), entry.Key.Line, entry.Key.Column) : null;
    }

    private static RequiredCheck? ReadCheck(PolicyMappingReader parent, YamlNode node, string path)
    {
        if (node is ScalarNode { IsNull: false } scalar && !scalar.Value.Contains('\n', StringComparison.Ordinal))
        {
            return CheckName(parent, scalar.Value, scalar, path) is { } shortName ? new RequiredCheck { Name = shortName } : null;
        }

        if (node is not MappingNode mapping)
        {
            parent.Report(node.Line, node.Column, path, $"expected a check ('name: …', or just the check's name), got {node.Description}");
            return null;
        }

        var reader = parent.Nested(mapping, path);
        var name = FreezeWindowSection.Text(reader, "name", out var nameNode);
        var app = FreezeWindowSection.Text(reader, "app", out var appNode);
        var allow = reader.List<string>("allow", AllowedConclusion, StringComparer.Ordinal, whenEmpty: "cannot be empty: no run could pass; list success");
        reader.ReportUnknownKeys();
        if (name is null)
        {
            if (reader.Find("name") is null)
            {
                reader.Report(mapping.Line, mapping.Column, reader.PathOf("name"), "missing; write the check run's name as GitHub shows it, e.g. name: CodeQL");
            }

            return null;
        }

        var checkName = CheckName(reader, name.Value, nameNode!, reader.PathOf("name"));
        if (app is not null && PolicyValueSyntax.Login(app.Value.Trim(), out _) is not null)
        {
            reader.Report(appNode!.Line, appNode.Column, reader.PathOf("app"), $"'{app.Value}' is not a GitHub App slug (e.g. github-actions, github-advanced-security)");
            return null;
        }

        if (checkName is null || (reader.Find("allow") is { Value: not ReportedNode } && allow is null))
        {
            return null;
        }

        return new RequiredCheck
        {
            Name = checkName,
            App = app?.Value.Trim(),
            AllowedConclusions = allow?.Value ?? ["success"],
        };
    }

    private static string? CheckName(PolicyMappingReader reader, string text, YamlNode node, string path)
    {
        var name = text.Trim();
        if (name.Length is 0 or > 255 || name.Any(char.IsControl))
        {
            reader.Report(node.Line, node.Column, path, "a check name is 1 to 255 characters on one line");
            return null;
        }

        return name;
    }

    private static string? AllowedConclusion(string text, out string value)
    {
        value = text.Trim();
        return AllowableConclusions.Contains(value, StringComparer.Ordinal)
            ? null
            : $"'{text}' cannot be allowed; a required check passes with {string.Join(", ", AllowableConclusions)}";
    }

    private static ScanArtifact? ReadArtifact(PolicyMappingReader parent, YamlNode node, string path)
    {
        if (node is not MappingNode mapping)
        {
            parent.Report(node.Line, node.Column, path, $"expected an artifact ('name: …' and 'files: […]'), got {node.Description}");
            return null;
        }

        var reader = parent.Nested(mapping, path);
        var name = FreezeWindowSection.Text(reader, "name", out var nameNode);
        var workflow = FreezeWindowSection.Text(reader, "workflow", out _);
        var files = reader.List<string>("files", ArtifactFile, StringComparer.Ordinal, whenEmpty: "cannot be empty; list the scanner output files in the artifact, e.g. [semgrep.json]");
        reader.ReportUnknownKeys();
        var valid = true;
        if (name is null)
        {
            if (reader.Find("name") is null)
            {
                reader.Report(mapping.Line, mapping.Column, reader.PathOf("name"), "missing; write the artifact's name as uploaded by actions/upload-artifact");
            }

            valid = false;
        }
        else if (name.Value.Trim().Length is 0 or > 255 || name.Value.IndexOfAny(['/', '\\', ':', '*', '?', '"', '<', '>', '|']) >= 0)
        {
            reader.Report(nameNode!.Line, nameNode.Column, reader.PathOf("name"), $"'{name.Value}' is not an artifact name (GitHub forbids / \\ : * ? \" < > |)");
            valid = false;
        }

        if (files is null)
        {
            if (reader.Find("files") is null)
            {
                reader.Report(mapping.Line, mapping.Column, reader.PathOf("files"), "missing; list the scanner output files in the artifact, e.g. files: [semgrep.json]");
            }

            valid = false;
        }

        return valid ? new ScanArtifact { Name = name!.Value.Trim(), Files = files!.Value, Workflow = workflow?.Value.Trim() } : null;
    }

    /// <summary>A file path inside an artifact: relative, forward slashes, no <c>..</c>.</summary>
    private static string? ArtifactFile(string text, out string value)
    {
        value = text.Trim();
        var segments = value.Split('/');
        return value.Length == 0 || value.StartsWith('/') || value.Contains('\\', StringComparison.Ordinal) || value.Contains(':', StringComparison.Ordinal)
            || segments.Any(s => s is "" or "." or "..") || value.Any(char.IsControl)
            ? $"'{text}' is not a path inside the artifact; write it relative to the artifact's root with forward slashes (e.g. reports/trivy.sarif), without '..'"
            : null;
    }

    private static ScanWaiver? ReadWaiver(PolicyMappingReader parent, YamlNode node, string path)
    {
        if (node is not MappingNode mapping)
        {
            parent.Report(node.Line, node.Column, path, $"expected a waiver ('rule:' or 'fingerprint:', 'expires:', 'approved-by:'), got {node.Description}");
            return null;
        }

        var reader = parent.Nested(mapping, path);
        var rule = FreezeWindowSection.Text(reader, "rule", out _);
        var fingerprint = FreezeWindowSection.Text(reader, "fingerprint", out _);
        var expiresText = FreezeWindowSection.Text(reader, "expires", out var expiresNode);
        var approver = FreezeWindowSection.Text(reader, "approved-by", out var approverNode);
        var reason = FreezeWindowSection.Text(reader, "reason", out _);
        reader.ReportUnknownKeys();

        var valid = true;
        if (rule is null && fingerprint is null)
        {
            if (reader.Find("rule") is null && reader.Find("fingerprint") is null)
            {
                reader.Report(mapping.Line, mapping.Column, path, "a waiver names the rule, the fingerprint of one finding, or both; without either it would waive everything");
            }

            valid = false;
        }

        DateOnly expires = default;
        if (expiresText is null)
        {
            if (reader.Find("expires") is null)
            {
                reader.Report(mapping.Line, mapping.Column, reader.PathOf("expires"), "missing; every waiver ends: write the last day it holds, e.g. expires: 2027-03-31");
            }

            valid = false;
        }
        else if (!DateOnly.TryParseExact(expiresText.Value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out expires))
        {
            reader.Report(expiresNode!.Line, expiresNode.Column, reader.PathOf("expires"), $"'{expiresText.Value}' is not a date; write YYYY-MM-DD (the last day, UTC, the waiver holds)");
            valid = false;
        }

        if (approver is null)
        {
            if (reader.Find("approved-by") is null)
            {
                reader.Report(mapping.Line, mapping.Column, reader.PathOf("approved-by"), "missing; name the GitHub login of who accepted the risk");
            }

            valid = false;
        }
        else if (PolicyValueSyntax.Login(approver.Value.Trim(), out _) is { } problem)
        {
            reader.Report(approverNode!.Line, approverNode.Column, reader.PathOf("approved-by"), problem);
            valid = false;
        }

        return valid
            ? new ScanWaiver
            {
                Rule = rule?.Value.Trim(),
                Fingerprint = fingerprint?.Value.Trim(),
                Expires = expires,
                ApprovedBy = approver!.Value.Trim(),
                Reason = reason?.Value.Trim(),
            }
            : null;
    }
}
