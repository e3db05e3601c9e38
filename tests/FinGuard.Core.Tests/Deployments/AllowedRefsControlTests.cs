using FinGuard.Core.Deployments;
using FinGuard.Core.Results;

namespace FinGuard.Core.Tests.Deployments;

public sealed class AllowedRefsControlTests
{
    private static ControlResult Evaluate(DeploymentBuilder builder, EnvironmentDeploymentPolicy? environment = null) =>
        new AllowedRefsControl().Evaluate(DeploymentBuilder.Context(builder.Build(), environment is null ? null : DeploymentBuilder.With(environment)));

    [Fact]
    public void The_default_branch_is_allowed_by_default()
    {
        var result = Evaluate(new DeploymentBuilder());

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("Deployed from branch `main`, allowed for production by `$default`.", result.Summary);
    }

    [Fact]
    public void Another_branch_is_refused_by_default_naming_what_is_allowed()
    {
        var result = Evaluate(new DeploymentBuilder().From(DeployedRefKind.Branch, "feature/x"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Deployed from branch `feature/x`, which production does not allow (branches `$default` (main)).", result.Summary);
    }

    [Fact]
    public void Tags_are_refused_unless_listed_and_match_their_own_patterns_only()
    {
        var environment = new EnvironmentDeploymentPolicy { Name = "production", AllowedBranches = ["release/*"], AllowedTags = ["v*"] };

        Assert.Equal(ControlStatus.Fail, Evaluate(new DeploymentBuilder().From(DeployedRefKind.Tag, "v1.2.0")).Status);
        Assert.Equal(ControlStatus.Pass, Evaluate(new DeploymentBuilder().From(DeployedRefKind.Tag, "v1.2.0"), environment).Status);
        Assert.Equal(ControlStatus.Pass, Evaluate(new DeploymentBuilder().From(DeployedRefKind.Branch, "release/2026.11"), environment).Status);
        Assert.Equal(ControlStatus.Fail, Evaluate(new DeploymentBuilder().From(DeployedRefKind.Branch, "v1.2.0"), environment).Status);
        Assert.Equal(ControlStatus.Fail, Evaluate(new DeploymentBuilder().From(DeployedRefKind.Tag, "release/2026.11"), environment).Status);
        Assert.Equal(ControlStatus.Fail, Evaluate(new DeploymentBuilder().From(DeployedRefKind.Branch, "main"), environment).Status);
    }

    [Fact]
    public void A_bare_sha_or_an_unknown_ref_is_refused()
    {
        var sha = Evaluate(new DeploymentBuilder().From(DeployedRefKind.Commit, DeploymentBuilder.DeployedSha));
        var unknown = Evaluate(new DeploymentBuilder().From(DeployedRefKind.Unknown, null));

        Assert.Equal(ControlStatus.Fail, sha.Status);
        Assert.StartsWith("Deployed by commit SHA", sha.Summary, StringComparison.Ordinal);
        Assert.Equal(ControlStatus.Fail, unknown.Status);
        Assert.Contains("fail closed", unknown.Summary, StringComparison.Ordinal);
    }
}
