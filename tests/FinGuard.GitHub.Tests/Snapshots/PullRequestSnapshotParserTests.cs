using System.Text.Json;
using FinGuard.GitHub.Snapshots;
using FinGuard.Testing.Scenarios;

namespace FinGuard.GitHub.Tests.Snapshots;

public sealed class PullRequestSnapshotParserTests
{
    private static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Parses_githubs_documented_pull_and_commit_examples()
    {
        var pull = Element(GitHubExamples.Get("pull-request").ToJsonString());
        var commits = Element(GitHubExamples.Get("commit-items").ToJsonString());

        var snapshot = PullRequestSnapshotParser.Parse("octocat/Hello-World", pull, [commits]);

        Assert.Equal(1347, snapshot.Number);
        Assert.Equal("6dcb09b5b57875f334f61aebed695e2e4193db5e", snapshot.HeadSha);
        Assert.Equal("master", snapshot.BaseRef);
        Assert.Equal("octocat", snapshot.Author.Login);
        Assert.Equal(3, snapshot.ReportedCommitCount);
        var commit = Assert.Single(snapshot.Commits);
        Assert.False(commit.Verification.Verified);
        Assert.Equal("unsigned", commit.Verification.Reason);
        Assert.False(commit.Verification.HasSignature);
        Assert.Equal("support@github.com", commit.AuthorEmail);
        Assert.Equal("Fix all the bugs", commit.Headline);
    }

    [Fact]
    public void Commits_across_pages_are_concatenated_in_order()
    {
        var scenario = new PullRequestScenario();
        for (var i = 0; i < 5; i++)
        {
            scenario.WithCommit(verified: i % 2 == 0);
        }

        var pages = scenario.CommitPages(perPage: 2).Select(Element).ToList();
        var snapshot = PullRequestSnapshotParser.Parse(scenario.FullName, Element(scenario.PullJson().ToJsonString()), pages);

        Assert.Equal(3, pages.Count);
        Assert.Equal(scenario.Commits.Select(c => c.Sha), snapshot.Commits.Select(c => c.Sha));
        Assert.Equal(scenario.Commits.Select(c => c.Verified), snapshot.Commits.Select(c => c.Verification.Verified));
    }

    [Fact]
    public void A_commit_without_a_verification_block_is_treated_as_unverified()
    {
        var snapshot = PullRequestSnapshotParser.Parse(
            "o/r",
            Element("""{"number":1,"head":{"sha":"abc"},"base":{"ref":"main"},"user":{"login":"a","id":1},"commits":1}"""),
            [Element("""[{"sha":"abc","commit":{"message":"m"}}]""")]);

        Assert.False(snapshot.Commits[0].Verification.Verified);
        Assert.Equal("unknown", snapshot.Commits[0].Verification.Reason);
    }

    [Theory]
    [InlineData("[]", "[]", "Expected the pull request response to be a JSON object")]
    [InlineData("""{"number":1,"base":{"ref":"main"},"user":{"login":"a","id":1}}""", "[]", "no `head` object")]
    [InlineData("""{"number":1,"head":{"sha":"abc"},"base":{"ref":"main"},"user":{"login":"a","id":1}}""", "{}", "Expected the commits response to be a JSON array")]
    [InlineData("""{"number":1,"head":{"sha":"abc"},"base":{"ref":"main"},"user":{"login":"a","id":1}}""", """[{"commit":{}}]""", "no `sha` string")]
    public void Wrong_shapes_give_a_specific_error(string pull, string commits, string message)
    {
        var error = Assert.Throws<GitHubFactsException>(() => PullRequestSnapshotParser.Parse("o/r", Element(pull), [Element(commits)]));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
