using FinGuard.Testing.FakeGitHub;

namespace FinGuard.GitHub.Tests.FakeGitHub;

public sealed class GitHubOpenApiTests
{
    [Theory]
    [InlineData("GET", "/repos/o/r/pulls/1/commits", "/repos/{owner}/{repo}/pulls/{pull_number}/commits")]
    [InlineData("POST", "/repos/o/r/check-runs", "/repos/{owner}/{repo}/check-runs")]
    [InlineData("PATCH", "/repos/o/r/check-runs/7", "/repos/{owner}/{repo}/check-runs/{check_run_id}")]
    [InlineData("POST", "/app/installations/1/access_tokens", "/app/installations/{installation_id}/access_tokens")]
    [InlineData("get", "/repos/o/r/commits/abc123/check-runs", "/repos/{owner}/{repo}/commits/{ref}/check-runs")]
    [InlineData("GET", "/repos/o/r/commits/abc123", "/repos/{owner}/{repo}/commits/{ref}")]
    [InlineData("PATCH", "/repos/o/r/git/refs/heads/feature/x", "/repos/{owner}/{repo}/git/refs/{ref}")]
    [InlineData("GET", "/repos/o/r/contents/src/App/Program.cs", "/repos/{owner}/{repo}/contents/{path}")]
    [InlineData("GET", "/repos/o/r/pulls/1/reviews?per_page=100", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")]
    public void TryMatch_accepts_GitHub_operations_and_names_the_most_specific_template(string method, string path, string expected)
    {
        Assert.True(GitHubOpenApi.Default.TryMatch(method, path, out var template));
        Assert.Equal(expected, template);
    }

    [Fact]
    public void TryMatch_accepts_compare_with_three_dots_inside_one_segment()
    {
        Assert.True(GitHubOpenApi.Default.TryMatch("GET", "/repos/o/r/compare/main...feature", out var template));
        Assert.StartsWith("/repos/{owner}/{repo}/compare/", template, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/repos/o/r/not-a-thing")]
    [InlineData("DELETE", "/repos/o/r/pulls/1/commits")]
    [InlineData("GET", "/repos/o/r/pulls/1/commits/extra")]
    [InlineData("GET", "/repos/o/r/pulls//commits")]
    [InlineData("POST", "/app/installations/1/access_token")]
    [InlineData("GET", "/git/refs/heads/main")]
    public void TryMatch_rejects_what_GitHub_does_not_have(string method, string path)
    {
        Assert.False(GitHubOpenApi.Default.TryMatch(method, path, out var template));
        Assert.Null(template);
    }

    [Fact]
    public void Default_reports_the_octokit_openapi_package_version()
    {
        var openApi = GitHubOpenApi.Default;

        Assert.Matches(@"^\d+\.\d+\.\d+", openApi.Version);
        Assert.Contains($"@octokit/openapi {openApi.Version}", openApi.DisplayName, StringComparison.Ordinal);
        Assert.EndsWith("api.github.com.json", openApi.SourcePath, StringComparison.Ordinal);
        Assert.True(openApi.OperationCount > 500, $"only {openApi.OperationCount} operations loaded");
    }
}
