using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// <c>separation-of-duties.approval-rules</c>: a list of rules, each <c>name</c>, <c>paths</c>, optional
/// <c>added-lines-match</c>, <c>required-approvals</c> (default 1) and <c>approver-teams</c>. Every regular expression is
/// compiled here, so a pattern .NET cannot read is a problem at its line and column, never a surprise at evaluation.
/// Merged like <c>freeze-window.windows</c>: a repository's list replaces the organisation's, unless the organisation
/// enforces the section — then the organisation's rules always apply and the repository's are added.
/// </summary>
internal static class ApprovalRulesSetting
{
    public const string Key = "approval-rules";

    /// <summary>More rules than any change-management procedure lists; bounds evaluation cost.</summary>
    public const int MaxRules = 50;

    public const int MaxNameLength = 100;

    public static PolicySetting<ImmutableArray<PolicySetting<ApprovalRule>>>? Read(PolicyMappingReader reader)
    {
        if (reader.Find(Key) is not { } entry || entry.Value is ReportedNode)
        {
            return null;
        }

        var path = reader.PathOf(Key);
        if (entry.Value is not SequenceNode sequence)
        {
            var hint = entry.Value is ScalarNode { IsNull: true } ? "; write [] for no rules" : string.Empty;
            reader.Report(entry.Value.Line, entry.Value.Column, path, $"expected a list of rules ('- name: …' entries), got {entry.Value.Description}{hint}");
            return null;
        }

        if (sequence.Items.Count > MaxRules)
        {
            reader.Report(sequence.Line, sequence.Column, path, $"has {sequence.Items.Count} rules; at most {MaxRules} are allowed");
            return null;
        }

        var valid = true;
        var rules = ImmutableArray.CreateBuilder<PolicySetting<ApprovalRule>>();
        var names = new List<(string Name, int Line, int Column)>();
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            var itemPath = $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (item is ReportedNode)
            {
                valid = false;
                continue;
            }

            if (item is not MappingNode mapping)
            {
                reader.Report(item.Line, item.Column, itemPath, $"expected a rule ('name: …' with paths), got {item.Description}");
                valid = false;
                continue;
            }

            var rule = ReadRule(reader.Nested(mapping, itemPath), mapping, names);
            if (rule is null)
            {
                valid = false;
                continue;
            }

            rules.Add(new PolicySetting<ApprovalRule>(rule, mapping.Line, mapping.Column));
        }

        return valid ? new PolicySetting<ImmutableArray<PolicySetting<ApprovalRule>>>(rules.ToImmutable(), entry.Key.Line, entry.Key.Column) : null;
    }

    /// <summary>The organisation's rules, then the repository's; a same-named repository rule is added, not substituted.</summary>
    public static ImmutableArray<ApprovalRule> Merge(
        string section, ImmutableArray<ApprovalRule> enforced, PolicySetting<ImmutableArray<PolicySetting<ApprovalRule>>>? repository, List<PolicyProblem> problems) =>
        EnforcedMerge.AddNamed(
            enforced,
            repository,
            r => r.Name,
            Same,
            name => $"{section}.{Key}: '{name}' is a rule of the organisation's enforced {section}; a repository cannot replace or loosen it, so both apply (give the repository's rule another name)",
            problems);

    private static ApprovalRule? ReadRule(PolicyMappingReader reader, MappingNode mapping, List<(string Name, int Line, int Column)> names)
    {
        var valid = true;
        string? name = null;
        switch (reader.Find("name"))
        {
            case null:
                reader.Report(mapping.Line, mapping.Column, reader.PathOf("name"), "missing; every rule needs a name, shown in the check when it applies");
                valid = false;
                break;
            case { Value: ReportedNode }:
                valid = false;
                break;
            case { Value: ScalarNode { IsNull: false } scalar } when scalar.Value.Trim().Length > 0 && scalar.Value.Length <= MaxNameLength && !scalar.Value.Any(char.IsControl):
                var first = names.FindIndex(n => string.Equals(n.Name, scalar.Value, StringComparison.OrdinalIgnoreCase));
                if (first >= 0)
                {
                    reader.Report(scalar.Line, scalar.Column, reader.PathOf("name"), $"'{scalar.Value}' is already the name of another rule (at {names[first].Line}:{names[first].Column}); rule names must be unique");
                    valid = false;
                }
                else
                {
                    names.Add((scalar.Value, scalar.Line, scalar.Column));
                    name = scalar.Value;
                }

                break;
            case { Value: var other }:
                reader.Report(other.Line, other.Column, reader.PathOf("name"), $"a rule name is 1 to {MaxNameLength} characters of text on one line, got {other.Description}");
                valid = false;
                break;
        }

        var paths = reader.List<string>("paths", PathPattern, StringComparer.Ordinal, whenEmpty: "cannot be empty: the rule would never apply; list the paths it covers, e.g. [\"db/migrations/**\"]");
        if (paths is null && reader.Find("paths") is null)
        {
            reader.Report(mapping.Line, mapping.Column, reader.PathOf("paths"), "missing; list the paths the rule covers, e.g. [\"db/migrations/**\"]");
            valid = false;
        }

        var addedLines = reader.List<string>("added-lines-match", AddedLinePattern, StringComparer.Ordinal, whenEmpty: "cannot be empty; remove the key for a rule on paths alone");
        var required = reader.Integer("required-approvals", SeparationOfDutiesSection.MinApprovals, SeparationOfDutiesSection.MaxApprovals);
        var teams = reader.List<string>("approver-teams", PolicyValueSyntax.Team, PolicyValueSyntax.NameComparer);
        reader.ReportUnknownKeys();

        var failed = (reader.Find("paths") is not null && paths is null)
            || (reader.Find("added-lines-match") is not null && addedLines is null)
            || (reader.Find("required-approvals") is not null && required is null)
            || (reader.Find("approver-teams") is not null && teams is null);
        if (!valid || failed || name is null || paths is null)
        {
            return null;
        }

        return new ApprovalRule
        {
            Name = name,
            Paths = paths.Value,
            AddedLinesMatch = addedLines?.Value ?? [],
            RequiredApprovals = required?.Value ?? 1,
            ApproverTeams = teams?.Value ?? [],
        };
    }

    /// <summary>A path pattern: repository-relative, no leading <c>/</c>, no <c>..</c> segment.</summary>
    private static string? PathPattern(string text, out string value)
    {
        value = text;
        if (text.Length == 0 || text.Length > 1024 || text.Any(char.IsControl))
        {
            return $"'{text}' is not a path pattern (1 to 1024 characters, no control characters)";
        }

        if (text.StartsWith('/'))
        {
            return $"'{text}': paths are relative to the repository root; write it without the leading '/' ({text.TrimStart('/')})";
        }

        if (text.Split('/').Any(s => s is ".." or "." or ""))
        {
            return $"'{text}' is not a path pattern: no empty, '.' or '..' segments";
        }

        return null;
    }

    /// <summary>A .NET regular expression that compiles.</summary>
    private static string? AddedLinePattern(string text, out string value)
    {
        value = text;
        try
        {
            _ = new Regex(text, RegexOptions.CultureInvariant, ApprovalRule.MatchTimeout);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"'{text}' is not a .NET regular expression: {ex.Message}";
        }
    }

    private static bool Same(ApprovalRule a, ApprovalRule b) =>
        a.Name == b.Name && a.RequiredApprovals == b.RequiredApprovals
        && a.Paths.SequenceEqual(b.Paths) && a.AddedLinesMatch.SequenceEqual(b.AddedLinesMatch)
        && a.ApproverTeams.SequenceEqual(b.ApproverTeams, StringComparer.OrdinalIgnoreCase);
}
