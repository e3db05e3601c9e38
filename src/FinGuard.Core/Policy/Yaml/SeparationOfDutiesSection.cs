using System.Collections.Immutable;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// The <c>separation-of-duties</c> section of a policy file (<see cref="SeparationOfDutiesPolicy"/> once resolved).
/// Under an enforced organisation section a repository may only strengthen it: <c>enabled</c> stays on,
/// <c>required-approvals</c> only rises, <c>block-on-changes-requested</c> only turns on, <c>exclude-approvers</c>
/// only grows, <c>approver-teams</c> only narrows to a subset, <c>require-write-access</c> and
/// <c>last-pusher-cannot-approve</c> only turn on, <c>ignore-update-merges</c> only turns off, <c>code-owners</c> only
/// turns on, <c>approval-rules</c> are added to the organisation's (see <see cref="ApprovalRulesSetting"/>).
/// </summary>
public sealed record SeparationOfDutiesSection : PolicySection
{
    public const string Key = "separation-of-duties";

    /// <summary>Bounds of <c>required-approvals</c>.</summary>
    public const int MinApprovals = 1;

    public const int MaxApprovals = 10;

    public PolicySetting<bool>? Enabled { get; init; }

    public PolicySetting<int>? RequiredApprovals { get; init; }

    public PolicySetting<bool>? BlockOnChangesRequested { get; init; }

    /// <summary><c>exclude-approvers</c>.</summary>
    public PolicySetting<ImmutableArray<string>>? ExcludedApprovers { get; init; }

    public PolicySetting<ImmutableArray<string>>? ApproverTeams { get; init; }

    /// <summary><c>require-write-access</c>.</summary>
    public PolicySetting<bool>? RequireWriteAccess { get; init; }

    /// <summary><c>last-pusher-cannot-approve</c>.</summary>
    public PolicySetting<bool>? LastPusherCannotApprove { get; init; }

    /// <summary><c>ignore-update-merges</c>.</summary>
    public PolicySetting<bool>? IgnoreUpdateMerges { get; init; }

    /// <summary><c>code-owners</c>.</summary>
    public PolicySetting<bool>? CodeOwners { get; init; }

    /// <summary><c>approval-rules</c>: each rule with the position of its list entry.</summary>
    public PolicySetting<ImmutableArray<PolicySetting<ApprovalRule>>>? ApprovalRules { get; init; }

    internal static SeparationOfDutiesSection Read(PolicyMappingReader reader, PolicyFileKind kind) => new()
    {
        Line = reader.Line,
        Column = reader.Column,
        Enabled = reader.Boolean("enabled"),
        Enforced = ReadEnforced(reader, kind),
        RequiredApprovals = reader.Integer(
            "required-approvals",
            MinApprovals,
            MaxApprovals,
            n => n < MinApprovals
                ? $"must be at least {MinApprovals}, got {n}; to switch the control off write 'enabled: false'"
                : $"must be at most {MaxApprovals}, got {n}"),
        BlockOnChangesRequested = reader.Boolean("block-on-changes-requested"),
        ExcludedApprovers = reader.List<string>("exclude-approvers", PolicyValueSyntax.Login, PolicyValueSyntax.NameComparer),
        ApproverTeams = reader.List<string>("approver-teams", PolicyValueSyntax.Team, PolicyValueSyntax.NameComparer),
        RequireWriteAccess = reader.Boolean("require-write-access"),
        LastPusherCannotApprove = reader.Boolean("last-pusher-cannot-approve"),
        IgnoreUpdateMerges = reader.Boolean("ignore-update-merges"),
        CodeOwners = reader.Boolean("code-owners"),
        ApprovalRules = ApprovalRulesSetting.Read(reader),
    };

    internal static SeparationOfDutiesPolicy Resolve(
        SeparationOfDutiesPolicy defaults, SeparationOfDutiesSection? organisation, SeparationOfDutiesSection? repository, List<PolicyProblem> problems) =>
        EnforcedMerge.Resolve(Key, defaults, organisation, repository, problems, Apply, (policy, repository, merge) =>
            policy with
            {
                Enabled = merge.Flag("enabled", policy.Enabled, repository.Enabled, stronger: true),
                RequiredApprovals = merge.AtLeast("required-approvals", policy.RequiredApprovals, repository.RequiredApprovals),
                BlockOnChangesRequested = merge.Flag(
                    "block-on-changes-requested", policy.BlockOnChangesRequested, repository.BlockOnChangesRequested, stronger: true),
                ExcludedApprovers = EnforcedMerge.Union(policy.ExcludedApprovers, repository.ExcludedApprovers, PolicyValueSyntax.NameComparer),
                ApproverTeams = merge.Subset("approver-teams", policy.ApproverTeams, repository.ApproverTeams, anyone: "team"),
                RequireWriteAccess = merge.Flag("require-write-access", policy.RequireWriteAccess, repository.RequireWriteAccess, stronger: true),
                LastPusherCannotApprove = merge.Flag(
                    "last-pusher-cannot-approve", policy.LastPusherCannotApprove, repository.LastPusherCannotApprove, stronger: true),
                IgnoreUpdateMerges = merge.Flag("ignore-update-merges", policy.IgnoreUpdateMerges, repository.IgnoreUpdateMerges, stronger: false),
                CodeOwners = merge.Flag("code-owners", policy.CodeOwners, repository.CodeOwners, stronger: true),
                ApprovalRules = ApprovalRulesSetting.Merge(Key, policy.ApprovalRules, repository.ApprovalRules, problems),
            });

    /// <summary>Every setting the section sets replaces the current value.</summary>
    private static SeparationOfDutiesPolicy Apply(SeparationOfDutiesPolicy policy, SeparationOfDutiesSection? section) => section is null
        ? policy
        : policy with
        {
            Enabled = section.Enabled?.Value ?? policy.Enabled,
            RequiredApprovals = section.RequiredApprovals?.Value ?? policy.RequiredApprovals,
            BlockOnChangesRequested = section.BlockOnChangesRequested?.Value ?? policy.BlockOnChangesRequested,
            ExcludedApprovers = section.ExcludedApprovers?.Value ?? policy.ExcludedApprovers,
            ApproverTeams = section.ApproverTeams?.Value ?? policy.ApproverTeams,
            RequireWriteAccess = section.RequireWriteAccess?.Value ?? policy.RequireWriteAccess,
            LastPusherCannotApprove = section.LastPusherCannotApprove?.Value ?? policy.LastPusherCannotApprove,
            IgnoreUpdateMerges = section.IgnoreUpdateMerges?.Value ?? policy.IgnoreUpdateMerges,
            CodeOwners = section.CodeOwners?.Value ?? policy.CodeOwners,
            ApprovalRules = section.ApprovalRules is { } rules ? [.. rules.Value.Select(r => r.Value)] : policy.ApprovalRules,
        };
}
