using System.Collections.Immutable;
using FinGuard.Core.Deployments;
using FinGuard.Core.Freeze;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// The <c>deployments</c> section of a policy file (<see cref="DeploymentsPolicy"/> once resolved): the deployment
/// gate's settings per environment, under <c>environments</c> (environment name → settings). An environment the file
/// does not list gets <see cref="EnvironmentDeploymentPolicy"/>'s defaults.
/// Under an enforced organisation section a repository may only strengthen each environment (the organisation's entry,
/// or the defaults for an environment it does not list): <c>required-approvals</c> only rises,
/// <c>allowed-refs</c> lists only narrow to a subset, <c>require-pr-decision</c> only moves to <c>evidence</c>,
/// <c>freeze-windows</c> only adds windows, and <c>wait-timer</c> only lengthens.
/// </summary>
public sealed record DeploymentsSection : PolicySection
{
    public const string Key = "deployments";

    public const string EnvironmentsKey = "environments";

    /// <summary>Bounds of <c>required-approvals</c> (0: no environment approvals required).</summary>
    public const int MinApprovals = 0;

    public const int MaxApprovals = 10;

    /// <summary>The <c>freeze-windows</c> value that takes the windows covering the environment.</summary>
    public const string InheritFreezeWindows = "inherit";

    /// <summary><c>environments</c>, each with the position of its name.</summary>
    public PolicySetting<ImmutableArray<EnvironmentSection>>? Environments { get; init; }

    internal static DeploymentsSection Read(PolicyMappingReader reader, PolicyFileKind kind) => new()
    {
        Line = reader.Line,
        Column = reader.Column,
        Enforced = ReadEnforced(reader, kind),
        Environments = ReadEnvironments(reader),
    };

    internal static DeploymentsPolicy Resolve(
        DeploymentsPolicy defaults, DeploymentsSection? organisation, DeploymentsSection? repository, List<PolicyProblem> problems) =>
        EnforcedMerge.Resolve(Key, defaults, organisation, repository, problems, Apply, (policy, repository, _) =>
        {
            if (repository.Environments is not { } environments)
            {
                return policy;
            }

            var list = policy.Environments.ToList();
            foreach (var environment in environments.Value)
            {
                var index = list.FindIndex(e => string.Equals(e.Name, environment.Name.Value, StringComparison.OrdinalIgnoreCase));
                var baseline = index >= 0 ? list[index] : new EnvironmentDeploymentPolicy { Name = environment.Name.Value };
                var merged = environment.Strengthen(baseline, problems);
                if (index >= 0)
                {
                    list[index] = merged;
                }
                else
                {
                    list.Add(merged);
                }
            }

            return policy with { Environments = [.. list] };
        });

    /// <summary>Every setting an environment entry sets replaces the current value of that environment.</summary>
    private static DeploymentsPolicy Apply(DeploymentsPolicy policy, DeploymentsSection? section)
    {
        if (section?.Environments is not { } environments)
        {
            return policy;
        }

        var list = (policy.Environments.IsDefault ? [] : policy.Environments).ToList();
        foreach (var environment in environments.Value)
        {
            var index = list.FindIndex(e => string.Equals(e.Name, environment.Name.Value, StringComparison.OrdinalIgnoreCase));
            var current = index >= 0 ? list[index] : new EnvironmentDeploymentPolicy { Name = environment.Name.Value };
            var applied = environment.ApplyTo(current);
            if (index >= 0)
            {
                list[index] = applied;
            }
            else
            {
                list.Add(applied);
            }
        }

        return policy with { Environments = [.. list] };
    }

    private static PolicySetting<ImmutableArray<EnvironmentSection>>? ReadEnvironments(PolicyMappingReader reader)
    {
        if (reader.Find(EnvironmentsKey) is not { } entry || entry.Value is ReportedNode)
        {
            return null;
        }

        var path = reader.PathOf(EnvironmentsKey);
        if (entry.Value is not MappingNode mapping)
        {
            var hint = entry.Value is ScalarNode { IsNull: true } ? "; write {} for none" : entry.Value is SequenceNode ? "; write 'production:' with its settings indented below, not a '- ' list" : string.Empty;
            reader.Report(entry.Value.Line, entry.Value.Column, path, $"expected environment names with their settings (production: …), got {entry.Value.Description}{hint}");
            return null;
        }

        var environments = ImmutableArray.CreateBuilder<EnvironmentSection>();
        var seen = new List<(string Name, int Line, int Column)>();
        foreach (var item in mapping.Entries)
        {
            var name = item.Key.Value;
            var itemPath = $"{path}.{name}";
            if (item.Key.IsNull || name.Trim().Length == 0 || name.Length > FreezeWindowSection.MaxEnvironmentLength || name.Any(char.IsControl))
            {
                reader.Report(item.Key.Line, item.Key.Column, path, $"'{name}' is not an environment name (1 to {FreezeWindowSection.MaxEnvironmentLength} characters on one line)");
                continue;
            }

            var first = seen.FindIndex(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
            if (first >= 0)
            {
                reader.Report(item.Key.Line, item.Key.Column, path, $"'{name}' is listed twice (also at {seen[first].Line}:{seen[first].Column}; GitHub environment names are not case-sensitive); keep one");
                continue;
            }

            seen.Add((name, item.Key.Line, item.Key.Column));
            if (item.Value is ReportedNode)
            {
                continue;
            }

            if (item.Value is not MappingNode settings)
            {
                var hint = item.Value is ScalarNode { IsNull: true } ? "; write {} to use the defaults" : string.Empty;
                reader.Report(item.Value.Line, item.Value.Column, itemPath, $"expected the environment's settings (key: value lines indented below it), got {item.Value.Description}{hint}");
                continue;
            }

            var nested = reader.Nested(new MappingNode(item.Key.Line, item.Key.Column, settings.Entries), itemPath);
            environments.Add(EnvironmentSection.Read(nested, new PolicySetting<string>(name, item.Key.Line, item.Key.Column)));
            nested.ReportUnknownKeys();
        }

        return new PolicySetting<ImmutableArray<EnvironmentSection>>(environments.ToImmutable(), entry.Key.Line, entry.Key.Column);
    }
}

/// <summary>One environment of the <c>deployments</c> section, as written: only what the entry sets is non-null.</summary>
public sealed record EnvironmentSection
{
    public const string RequiredApprovalsKey = "required-approvals";
    public const string AllowedRefsKey = "allowed-refs";
    public const string RequirePullRequestDecisionKey = "require-pr-decision";
    public const string FreezeWindowsKey = "freeze-windows";
    public const string DuringFreezeKey = "during-freeze";
    public const string WaitTimerKey = "wait-timer";

    /// <summary>Written forms of <see cref="Deployments.DuringFreeze"/>.</summary>
    public static IReadOnlyList<string> DuringFreezeNames { get; } = ["hold", "reject"];

    /// <summary>Written forms of <see cref="PullRequestDecisionSource"/>.</summary>
    public static IReadOnlyList<string> DecisionSourceNames { get; } = ["evidence", "evaluate-now"];

    /// <summary>The environment's name, at the position of its key.</summary>
    public required PolicySetting<string> Name { get; init; }

    public PolicySetting<int>? RequiredApprovals { get; init; }

    /// <summary><c>allowed-refs.branches</c>.</summary>
    public PolicySetting<ImmutableArray<string>>? AllowedBranches { get; init; }

    /// <summary><c>allowed-refs.tags</c>.</summary>
    public PolicySetting<ImmutableArray<string>>? AllowedTags { get; init; }

    public PolicySetting<PullRequestDecisionSource>? RequirePullRequestDecision { get; init; }

    /// <summary><c>freeze-windows</c>: a list of window names, or a null value for <c>inherit</c>.</summary>
    public PolicySetting<ImmutableArray<string>?>? FreezeWindows { get; init; }

    /// <summary><c>during-freeze</c>: <c>hold</c> or <c>reject</c>.</summary>
    public PolicySetting<DuringFreeze>? DuringFreeze { get; init; }

    /// <summary><c>wait-timer</c>: <c>30m</c>, <c>4h</c>, <c>2d</c>, at most <see cref="EnvironmentDeploymentPolicy.LongestWaitTimer"/>.</summary>
    public PolicySetting<TimeSpan>? WaitTimer { get; init; }

    internal static EnvironmentSection Read(PolicyMappingReader reader, PolicySetting<string> name)
    {
        var refs = reader.Section(AllowedRefsKey, ReadAllowedRefs);
        return new EnvironmentSection
        {
            Name = name,
            RequiredApprovals = reader.Integer(
                RequiredApprovalsKey,
                DeploymentsSection.MinApprovals,
                DeploymentsSection.MaxApprovals,
                n => n < DeploymentsSection.MinApprovals
                    ? $"must be at least {DeploymentsSection.MinApprovals} (0: no environment approvals), got {n}"
                    : $"must be at most {DeploymentsSection.MaxApprovals}, got {n}"),
            AllowedBranches = refs?.Branches,
            AllowedTags = refs?.Tags,
            RequirePullRequestDecision = ReadDecisionSource(reader),
            FreezeWindows = ReadFreezeWindows(reader),
            DuringFreeze = ReadDuringFreeze(reader),
            WaitTimer = BreakGlassSection.DurationSetting(reader, WaitTimerKey, EnvironmentDeploymentPolicy.LongestWaitTimer),
        };
    }

    /// <summary>This entry's settings over <paramref name="current"/>.</summary>
    internal EnvironmentDeploymentPolicy ApplyTo(EnvironmentDeploymentPolicy current) => current with
    {
        Name = current.Name,
        RequiredApprovals = RequiredApprovals?.Value ?? current.RequiredApprovals,
        AllowedBranches = AllowedBranches?.Value ?? current.AllowedBranches,
        AllowedTags = AllowedTags?.Value ?? current.AllowedTags,
        RequirePullRequestDecision = RequirePullRequestDecision?.Value ?? current.RequirePullRequestDecision,
        FreezeWindows = FreezeWindows is { } windows ? windows.Value : current.FreezeWindows,
        DuringFreeze = DuringFreeze?.Value ?? current.DuringFreeze,
        WaitTimer = WaitTimer?.Value ?? current.WaitTimer,
    };

    /// <summary>This entry over an enforced <paramref name="enforced"/>: only what makes it stricter is taken; the rest is reported.</summary>
    internal EnvironmentDeploymentPolicy Strengthen(EnvironmentDeploymentPolicy enforced, List<PolicyProblem> problems)
    {
        var section = $"{DeploymentsSection.Key}.{DeploymentsSection.EnvironmentsKey}.{Name.Value}";
        var merge = new EnforcedMerge(section, problems);

        var source = enforced.RequirePullRequestDecision;
        if (RequirePullRequestDecision is { } asked)
        {
            if (asked.Value == PullRequestDecisionSource.Evidence || source == PullRequestDecisionSource.EvaluateNow)
            {
                source = asked.Value;
            }
            else
            {
                problems.Add(new PolicyProblem(asked.Line, asked.Column, $"{section}.{RequirePullRequestDecisionKey}: evaluate-now is weaker than the organisation's enforced evidence; using evidence"));
            }
        }

        var windows = enforced.FreezeWindows;
        if (FreezeWindows is { } freeze)
        {
            switch (enforced.FreezeWindows, freeze.Value)
            {
                case (null, null):
                    break;
                case (null, { } named):
                    problems.Add(new PolicyProblem(freeze.Line, freeze.Column, $"{section}.{FreezeWindowsKey}: [{string.Join(", ", named)}] could leave out windows the organisation's enforced 'inherit' applies; using inherit"));
                    break;
                case ({ } named, null):
                    problems.Add(new PolicyProblem(freeze.Line, freeze.Column, $"{section}.{FreezeWindowsKey}: inherit could leave out windows the organisation's enforced [{string.Join(", ", named)}] names; using those and adding nothing"));
                    break;
                case ({ } named, { } added):
                    windows = [.. named.Concat(added).Distinct(StringComparer.OrdinalIgnoreCase)];
                    break;
            }
        }

        // reject is the stricter: a held deployment goes out by itself once the freeze ends.
        var duringFreeze = enforced.DuringFreeze;
        if (DuringFreeze is { } during)
        {
            if (during.Value == Deployments.DuringFreeze.Reject || duringFreeze == Deployments.DuringFreeze.Hold)
            {
                duringFreeze = during.Value;
            }
            else
            {
                problems.Add(new PolicyProblem(during.Line, during.Column, $"{section}.{DuringFreezeKey}: hold is weaker than the organisation's enforced reject; using reject"));
            }
        }

        // A longer wait is the stricter; a repository cannot shorten or drop the organisation's.
        var waitTimer = enforced.WaitTimer;
        if (WaitTimer is { } wait)
        {
            if (waitTimer is not { } floor || wait.Value >= floor)
            {
                waitTimer = wait.Value;
            }
            else
            {
                problems.Add(new PolicyProblem(wait.Line, wait.Column, $"{section}.{WaitTimerKey}: {FreezeWindowControl.Duration(wait.Value)} is shorter than the organisation's enforced {FreezeWindowControl.Duration(floor)}; using {FreezeWindowControl.Duration(floor)}"));
            }
        }

        return enforced with
        {
            DuringFreeze = duringFreeze,
            WaitTimer = waitTimer,
            RequiredApprovals = merge.AtLeast(RequiredApprovalsKey, enforced.RequiredApprovals, RequiredApprovals),
            AllowedBranches = Narrow(section, $"{AllowedRefsKey}.branches", enforced.AllowedBranches, AllowedBranches, problems),
            AllowedTags = Narrow(section, $"{AllowedRefsKey}.tags", enforced.AllowedTags, AllowedTags, problems),
            RequirePullRequestDecision = source,
            FreezeWindows = windows,
        };
    }

    /// <summary>An allow-list a repository may only narrow: its list when every entry is in the enforced one, else the enforced one (reported).</summary>
    private static ImmutableArray<string> Narrow(string section, string key, ImmutableArray<string> enforced, PolicySetting<ImmutableArray<string>>? repository, List<PolicyProblem> problems)
    {
        if (repository is null)
        {
            return enforced;
        }

        var outside = repository.Value.Where(r => !enforced.Contains(r, StringComparer.Ordinal)).ToList();
        if (outside.Count == 0)
        {
            return repository.Value;
        }

        problems.Add(new PolicyProblem(
            repository.Line,
            repository.Column,
            $"{section}.{key}: {string.Join(", ", outside)} {(outside.Count == 1 ? "is" : "are")} not among the organisation's enforced {EnforcedMerge.Format(enforced)}; using {EnforcedMerge.Format(enforced)}"));
        return enforced;
    }

    private static AllowedRefs ReadAllowedRefs(PolicyMappingReader reader)
    {
        var branches = reader.List<string>("branches", PolicyValueSyntax.Branch, PolicyValueSyntax.BranchComparer);
        var tags = reader.List<string>("tags", Tag, PolicyValueSyntax.BranchComparer);
        if (branches is { Value.IsEmpty: true } && tags is { Value.IsEmpty: true })
        {
            reader.Report(branches.Line, branches.Column, reader.PathOf("branches"), "branches and tags are both empty, so nothing could be deployed to this environment; list at least one branch or tag pattern");
        }

        return new AllowedRefs(branches, tags);
    }

    private static PolicySetting<PullRequestDecisionSource>? ReadDecisionSource(PolicyMappingReader reader)
    {
        if (FreezeWindowSection.Text(reader, RequirePullRequestDecisionKey, out var node) is not { } text)
        {
            return null;
        }

        switch (text.Value)
        {
            case "evidence":
                return new PolicySetting<PullRequestDecisionSource>(PullRequestDecisionSource.Evidence, text.Line, text.Column);
            case "evaluate-now":
                return new PolicySetting<PullRequestDecisionSource>(PullRequestDecisionSource.EvaluateNow, text.Line, text.Column);
            default:
                var near = NearestName.Find(text.Value, DecisionSourceNames);
                var hint = near is null ? string.Empty : $"did you mean '{near}'? ";
                reader.Report(node!.Line, node.Column, reader.PathOf(RequirePullRequestDecisionKey), $"unknown value '{text.Value}' ({hint}allowed: {string.Join(", ", DecisionSourceNames)})");
                return null;
        }
    }

    private static PolicySetting<DuringFreeze>? ReadDuringFreeze(PolicyMappingReader reader)
    {
        if (FreezeWindowSection.Text(reader, DuringFreezeKey, out var node) is not { } text)
        {
            return null;
        }

        switch (text.Value)
        {
            case "hold":
                return new PolicySetting<DuringFreeze>(Deployments.DuringFreeze.Hold, text.Line, text.Column);
            case "reject":
                return new PolicySetting<DuringFreeze>(Deployments.DuringFreeze.Reject, text.Line, text.Column);
            default:
                var near = NearestName.Find(text.Value, DuringFreezeNames);
                var hint = near is null ? string.Empty : $"did you mean '{near}'? ";
                reader.Report(node!.Line, node.Column, reader.PathOf(DuringFreezeKey), $"unknown value '{text.Value}' ({hint}allowed: {string.Join(", ", DuringFreezeNames)})");
                return null;
        }
    }

    private static PolicySetting<ImmutableArray<string>?>? ReadFreezeWindows(PolicyMappingReader reader)
    {
        switch (reader.Find(FreezeWindowsKey))
        {
            case null or { Value: ReportedNode }:
                return null;
            case { Value: ScalarNode { IsPlain: true, Value: DeploymentsSection.InheritFreezeWindows } } inherit:
                return new PolicySetting<ImmutableArray<string>?>(null, inherit.Key.Line, inherit.Key.Column);
            case { Value: SequenceNode }:
                return reader.List<string>(FreezeWindowsKey, WindowName, StringComparer.OrdinalIgnoreCase) is { } names
                    ? new PolicySetting<ImmutableArray<string>?>(names.Value, names.Line, names.Column)
                    : null;
            case var other:
                reader.Report(other.Value.Line, other.Value.Column, reader.PathOf(FreezeWindowsKey), $"expected {DeploymentsSection.InheritFreezeWindows} or a list of freeze window names, got {other.Value.Description}");
                return null;
        }
    }

    /// <summary>A tag pattern: a tag name, <c>*</c> and <c>**</c> wildcards, without <c>refs/tags/</c>.</summary>
    private static string? Tag(string text, out string value)
    {
        value = text;
        if (text.StartsWith("refs/tags/", StringComparison.Ordinal))
        {
            return $"'{text}': write the tag pattern without refs/tags/ ({text["refs/tags/".Length..]})";
        }

        if (text.StartsWith('$'))
        {
            return $"'{text}' is not a tag pattern; {FinGuardPolicy.DefaultBranchToken} names a branch (list it under branches)";
        }

        return PolicyValueSyntax.Branch(text, out _) is null
            ? null
            : $"'{text}' is not a tag name or pattern (only * and ** are wildcards; spaces, ~ ^ : ? [ \\ and '..' cannot appear in tag names)";
    }

    private static string? WindowName(string text, out string value)
    {
        value = text;
        return text.Trim().Length == 0 || text.Length > FreezeWindowSection.MaxNameLength || text.Any(char.IsControl)
            ? $"'{text}' is not a freeze window name (1 to {FreezeWindowSection.MaxNameLength} characters on one line)"
            : null;
    }

    /// <summary>What <c>allowed-refs</c> sets.</summary>
    private sealed record AllowedRefs(PolicySetting<ImmutableArray<string>>? Branches, PolicySetting<ImmutableArray<string>>? Tags);
}
