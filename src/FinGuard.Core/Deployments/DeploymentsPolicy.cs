using System.Collections.Immutable;
using System.Text.Json.Serialization;
using FinGuard.Core.Policy;

namespace FinGuard.Core.Deployments;

/// <summary>
/// Settings of the deployment gate (the <c>deployments</c> section of a policy file, resolved): one entry per
/// environment that sets anything; every other environment gets <see cref="EnvironmentDeploymentPolicy"/>'s safe
/// defaults. There is no switch to turn the gate off: an environment is gated as soon as FinGuard is enabled as its
/// custom deployment protection rule. The YAML reference is docs/deployments.md.
/// </summary>
public sealed record DeploymentsPolicy
{
    /// <summary>Environments with their own settings; names are compared case-insensitively, as GitHub does.</summary>
    public ImmutableArray<EnvironmentDeploymentPolicy> Environments { get; init; } = [];

    /// <summary>The settings of <paramref name="environment"/>: its entry, or the defaults under its name.</summary>
    public EnvironmentDeploymentPolicy For(string environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var environments = Environments.IsDefault ? [] : Environments;
        return environments.FirstOrDefault(e => string.Equals(e.Name, environment, StringComparison.OrdinalIgnoreCase))
            ?? new EnvironmentDeploymentPolicy { Name = environment };
    }
}

/// <summary>Where the chain of custody looks for the pull request decision of the deployed commit.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PullRequestDecisionSource>))]
public enum PullRequestDecisionSource
{
    /// <summary>A passing FinGuard decision recorded in the evidence before the deployment (the default, and the stricter).</summary>
    [JsonStringEnumMemberName("evidence")]
    Evidence,

    /// <summary>Like <see cref="Evidence"/>; when no passing decision is recorded, the pull request controls are evaluated now (and recorded).</summary>
    [JsonStringEnumMemberName("evaluate-now")]
    EvaluateNow,
}

/// <summary>What the deployment gate does with a deployment requested while one of the environment's freeze windows is open.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DuringFreeze>))]
public enum DuringFreeze
{
    /// <summary>
    /// Hold it (the default): GitHub keeps the deployment waiting, FinGuard says which window holds it and until when,
    /// and decides again when the window closes. GitHub gives up after 30 days.
    /// </summary>
    [JsonStringEnumMemberName("hold")]
    Hold,

    /// <summary>Reject it at once; it must be deployed again after the freeze.</summary>
    [JsonStringEnumMemberName("reject")]
    Reject,
}

/// <summary>The deployment gate's settings for one environment.</summary>
public sealed record EnvironmentDeploymentPolicy
{
    /// <summary>Default of <see cref="RequiredApprovals"/>: GitHub lets one required reviewer suffice; FinGuard asks for two.</summary>
    public const int DefaultRequiredApprovals = 2;

    /// <summary>The environment's name as the policy writes it (or as GitHub sent it, for an environment the policy does not list).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Distinct environment approvals (GitHub's required reviewers) needed from people who neither deployed nor wrote
    /// the change; 0: none (the deployer still may not be an author).
    /// </summary>
    public int RequiredApprovals { get; init; } = DefaultRequiredApprovals;

    /// <summary>Branch patterns a deployment may come from (<see cref="Controls.BranchPattern"/> syntax, <c>$default</c> included).</summary>
    public ImmutableArray<string> AllowedBranches { get; init; } = [FinGuardPolicy.DefaultBranchToken];

    /// <summary>Tag patterns a deployment may come from (<c>*</c> and <c>**</c> wildcards); none by default.</summary>
    public ImmutableArray<string> AllowedTags { get; init; } = [];

    public PullRequestDecisionSource RequirePullRequestDecision { get; init; } = PullRequestDecisionSource.Evidence;

    /// <summary>
    /// The names of the <c>freeze-window</c> windows that freeze this environment; null (<c>inherit</c>, the default):
    /// every window whose <c>environments</c> list is absent or names this environment.
    /// </summary>
    public ImmutableArray<string>? FreezeWindows { get; init; }

    /// <summary>A deployment requested during a freeze: held until the window closes (the default), or rejected.</summary>
    public DuringFreeze DuringFreeze { get; init; } = DuringFreeze.Hold;

    /// <summary>The longest <see cref="WaitTimer"/>: GitHub gives up on a waiting deployment after 30 days.</summary>
    public static readonly TimeSpan LongestWaitTimer = TimeSpan.FromDays(30);

    /// <summary>
    /// How long after GitHub created the deployment FinGuard may approve it at the earliest (GitHub's environment wait
    /// timer, enforced by FinGuard and recorded in its evidence); null: no wait.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TimeSpan? WaitTimer { get; init; }
}
