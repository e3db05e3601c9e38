using FinGuard.GitHub.Deployments;

namespace FinGuard.GitHub.Tests.Deployments;

/// <summary>The callback URL comes from a webhook body: only the configured GitHub API's own path for this repository is accepted.</summary>
public sealed class DeploymentCallbackTests
{
    private static readonly Uri GitHubCom = new("https://api.github.com/");
    private static readonly Uri Enterprise = new("https://ghes.example.com/api/v3/");

    [Theory]
    [InlineData("https://api.github.com/repos/Codertocat/Hello-World/actions/runs/5453085689/deployment_protection_rule", 5453085689)]
    [InlineData("https://API.GITHUB.COM/repos/codertocat/hello-world/actions/runs/1/deployment_protection_rule", 1)]
    [InlineData("https://api.github.com:443/repos/Codertocat/Hello-World/actions/runs/42/deployment_protection_rule", 42)]
    public void The_api_s_own_callback_for_this_repository_is_accepted_with_its_run_id(string url, long runId)
    {
        Assert.Equal(runId, DeploymentCallback.Validate(new Uri(url), GitHubCom, "Codertocat/Hello-World", out var refusal));
        Assert.Null(refusal);
    }

    [Fact]
    public void On_enterprise_server_the_api_prefix_is_required()
    {
        Assert.Equal(7, DeploymentCallback.Validate(new Uri("https://ghes.example.com/api/v3/repos/o/r/actions/runs/7/deployment_protection_rule"), Enterprise, "o/r", out _));
        Assert.Null(DeploymentCallback.Validate(new Uri("https://ghes.example.com/repos/o/r/actions/runs/7/deployment_protection_rule"), Enterprise, "o/r", out var refusal));
        Assert.Equal("its path is not under the GitHub API path /api/v3/", refusal);
    }

    [Theory]
    [InlineData("https://evil.example.com/repos/o/r/actions/runs/1/deployment_protection_rule", "its host https://evil.example.com is not the configured GitHub API https://api.github.com")]
    [InlineData("https://api.github.com.evil.example.com/repos/o/r/actions/runs/1/deployment_protection_rule", "its host https://api.github.com.evil.example.com is not the configured GitHub API https://api.github.com")]
    [InlineData("http://api.github.com/repos/o/r/actions/runs/1/deployment_protection_rule", "its host http://api.github.com is not the configured GitHub API https://api.github.com")]
    [InlineData("https://api.github.com:8443/repos/o/r/actions/runs/1/deployment_protection_rule", "its host https://api.github.com:8443 is not the configured GitHub API https://api.github.com")]
    [InlineData("https://169.254.169.254/repos/o/r/actions/runs/1/deployment_protection_rule", "its host https://169.254.169.254 is not the configured GitHub API https://api.github.com")]
    [InlineData("https://token@api.github.com/repos/o/r/actions/runs/1/deployment_protection_rule", "it carries user info, a query or a fragment")]
    [InlineData("https://api.github.com/repos/o/r/actions/runs/1/deployment_protection_rule?redirect=https://evil.example.com", "it carries user info, a query or a fragment")]
    [InlineData("https://api.github.com/repos/o/r/actions/runs/1/deployment_protection_rule#x", "it carries user info, a query or a fragment")]
    [InlineData("https://api.github.com/repos/other/r/actions/runs/1/deployment_protection_rule", "it names repository other/r, not o/r")]
    [InlineData("https://api.github.com/repos/o/r/actions/runs/1/approve", "its path is not repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule")]
    [InlineData("https://api.github.com/repos/o/r/actions/runs/1/deployment_protection_rule/../../../../../user/keys", "its path is not repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule")]
    [InlineData("https://api.github.com/repos/o/r/actions/runs/abc/deployment_protection_rule", "its path is not repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule")]
    [InlineData("https://api.github.com/repos/o/r/actions/runs/0/deployment_protection_rule", "its run id is not a positive number")]
    public void Anything_else_is_refused_saying_why(string url, string expected)
    {
        Assert.Null(DeploymentCallback.Validate(new Uri(url), GitHubCom, "o/r", out var refusal));
        Assert.Equal(expected, refusal);
    }

    [Fact]
    public void A_missing_or_relative_callback_is_refused()
    {
        Assert.Null(DeploymentCallback.Validate(null, GitHubCom, "o/r", out var missing));
        Assert.Null(DeploymentCallback.Validate(new Uri("/repos/o/r/actions/runs/1/deployment_protection_rule", UriKind.Relative), GitHubCom, "o/r", out var relative));
        Assert.Equal("the payload has no absolute deployment_callback_url", missing);
        Assert.Equal(missing, relative);
    }

    [Fact]
    public void A_refused_callback_is_logged_by_its_origin_only_whatever_its_shape()
    {
        Assert.Equal("https://evil.example.com", DeploymentCallback.Origin(new Uri("https://evil.example.com/steal?token=1")));
        Assert.Equal("(a relative URL)", DeploymentCallback.Origin(new Uri("/repos/o/r/actions/runs/1/deployment_protection_rule", UriKind.Relative)));
        Assert.Equal("(none)", DeploymentCallback.Origin(null));
    }

    [Fact]
    public void The_answer_goes_to_a_path_finguard_builds_itself()
    {
        Assert.Equal("repos/o/r/actions/runs/5453085689/deployment_protection_rule", DeploymentCallback.PathFor("o/r", 5453085689));
    }
}
