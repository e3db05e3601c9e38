using System.Collections.Immutable;
using FinGuard.Core.Deployments;
using FinGuard.Core.Policy;
using FinGuard.Core.Snapshots;
using FinGuard.Core.Tests.Controls;

namespace FinGuard.Core.Tests.Deployments;

/// <summary>
/// Hand-written builder for deployment snapshots. By default: <c>production</c>, branch <c>main</c> (the default
/// branch), deployed by <see cref="People.Frank"/>, the merge commit of pull request #7 (opened and written by
/// <see cref="People.Dev"/>) whose FinGuard decision passed, and no environment reviews yet.
/// </summary>
internal sealed class DeploymentBuilder
{
    public const string DeployedSha = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
    public static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private readonly List<PullRequestDecisionFact> decisions = [];
    private readonly List<EnvironmentApproval> approvals = [];
    private readonly List<GitHubUser> deployers = [People.Frank];
    private string environment = "production";
    private string? gitRef = "main";
    private DeployedRefKind refKind = DeployedRefKind.Branch;
    private PreviousDeployment? previous;
    private bool defaultDecision = true;
    private readonly Dictionary<string, RepositoryAccess?> permissions = new(StringComparer.OrdinalIgnoreCase);

    public static EnvironmentApproval Approval(GitHubUser user, string state = "approved", string environment = "production", string? comment = null) =>
        new(user, state, [environment], comment);

    public DeploymentBuilder To(string name)
    {
        environment = name;
        return this;
    }

    public DeploymentBuilder From(DeployedRefKind kind, string? name)
    {
        refKind = kind;
        gitRef = name;
        return this;
    }

    public DeploymentBuilder DeployedBy(params GitHubUser[] users)
    {
        deployers.Clear();
        deployers.AddRange(users);
        return this;
    }

    public DeploymentBuilder ApprovedBy(params GitHubUser[] users)
    {
        approvals.AddRange(users.Select(u => Approval(u, environment: environment)));
        return this;
    }

    public DeploymentBuilder Review(EnvironmentApproval approval)
    {
        approvals.Add(approval);
        return this;
    }

    /// <summary><paramref name="user"/>'s permission on the repository; null: FinGuard could not read it. Every other reviewer has <c>write</c>.</summary>
    public DeploymentBuilder Permission(GitHubUser user, string? permission)
    {
        permissions[user.Login] = permission is null ? null : new RepositoryAccess(permission, permission);
        return this;
    }

    /// <summary>No pull request vouches for the commit (it was pushed directly).</summary>
    public DeploymentBuilder Unmerged()
    {
        defaultDecision = false;
        decisions.Clear();
        return this;
    }

    public DeploymentBuilder Decision(PullRequestDecisionFact decision)
    {
        defaultDecision = false;
        decisions.Add(decision);
        return this;
    }

    public DeploymentBuilder Previous(PreviousDeployment deployment)
    {
        previous = deployment;
        return this;
    }

    public static PullRequestDecisionFact Passed(int number = 7, PullRequestSnapshot? change = null, CustodyMatch match = CustodyMatch.MergeCommit) => new()
    {
        Number = number,
        HeadSha = change?.HeadSha ?? SnapshotBuilder.Sha(1),
        MatchedBy = match,
        Verdict = "pass",
        ReasonCode = "all-controls-passed",
        Evidence = new EvidencePointer("octo/payments", 3, new string('c', 64), At.AddHours(-1)),
        Change = change ?? new SnapshotBuilder().Commit(verified: true).Approve(People.Alice, People.Bob).Build(),
    };

    public DeploymentSnapshot Build() => new()
    {
        Repository = "octo/payments",
        Environment = environment,
        DeploymentId = 99,
        RunId = 5453085689,
        Sha = DeployedSha,
        Ref = gitRef,
        RefKind = refKind,
        RefName = gitRef,
        DefaultBranch = "main",
        Event = "push",
        Deployers = [.. deployers],
        Approvals = [.. approvals],
        PullRequestDecisions = defaultDecision ? [Passed()] : [.. decisions],
        PreviousApproved = previous,
        ReviewerPermissions = approvals.Select(a => a.User.Login).Concat(permissions.Keys).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(login => (login, access: permissions.TryGetValue(login, out var set) ? set : new RepositoryAccess("write", "write")))
            .Where(p => p.access is not null)
            .ToImmutableDictionary(p => p.login, p => p.access!, StringComparer.OrdinalIgnoreCase),
    };

    public static DeploymentContext Context(DeploymentSnapshot snapshot, FinGuardPolicy? policy = null, DateTimeOffset? at = null) =>
        new(snapshot, policy ?? FinGuardPolicy.Default, at ?? At);

    public static FinGuardPolicy With(EnvironmentDeploymentPolicy environment) =>
        FinGuardPolicy.Default with { Deployments = new DeploymentsPolicy { Environments = [environment] } };
}
