using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Deployments;
using FinGuard.GitHub.Deployments;
using FinGuard.GitHub.Evaluation;
using FinGuard.Testing.Scenarios;

namespace FinGuard.GitHub.Tests.Deployments;

public sealed class DeploymentSnapshotParserTests
{
    private const string DeployedSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    private static JsonElement PayloadFile() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Webhooks", "Payloads", "deployment_protection_rule.requested.json"))).RootElement.Clone();

    private static JsonElement Json(JsonNode node) => JsonSerializer.SerializeToElement(node);

    private static JsonArray Pulls(params (int Number, string Head, string? Merge, bool Merged)[] pulls)
    {
        var template = GitHubExamples.Get("pull-request-simple-items").AsArray()[0]!;
        return new JsonArray([.. pulls.Select(p =>
        {
            var item = template.DeepClone().AsObject();
            item["number"] = p.Number;
            item["head"]!["sha"] = p.Head;
            item["merge_commit_sha"] = p.Merge;
            item["merged_at"] = p.Merged ? "2026-11-20T11:00:00Z" : null;
            return (JsonNode)item;
        })]);
    }

    [Theory]
    [InlineData("main", null, DeployedRefKind.Branch, "main")]
    [InlineData("refs/heads/release/1.2", null, DeployedRefKind.Branch, "release/1.2")]
    [InlineData("refs/tags/v1.2.0", null, DeployedRefKind.Tag, "v1.2.0")]
    [InlineData("v1.2.0", "[{\"ref\":\"refs/tags/v1.2.0\"}]", DeployedRefKind.Tag, "v1.2.0")]
    [InlineData("v1.2", "[{\"ref\":\"refs/tags/v1.2.0\"}]", DeployedRefKind.Branch, "v1.2")]
    [InlineData(DeployedSha, null, DeployedRefKind.Commit, DeployedSha)]
    [InlineData("refs/pull/2/merge", null, DeployedRefKind.Unknown, null)]
    [InlineData(null, null, DeployedRefKind.Unknown, null)]
    public void A_ref_is_a_branch_a_tag_or_a_commit(string? gitRef, string? tagRefs, DeployedRefKind kind, string? name)
    {
        var tags = tagRefs is null ? (JsonElement?)null : JsonDocument.Parse(tagRefs).RootElement.Clone();

        Assert.Equal((kind, name), DeploymentSnapshotParser.ClassifyRef(gitRef, tags));
    }

    [Theory]
    [InlineData("main", "main")]
    [InlineData("refs/heads/main", null)]
    [InlineData(DeployedSha, null)]
    [InlineData(null, null)]
    public void Only_a_short_name_needs_asking_github_whether_it_is_a_tag(string? gitRef, string? expected)
    {
        Assert.Equal(expected, DeploymentSnapshotParser.AmbiguousRef(gitRef));
    }

    [Fact]
    public void Pull_requests_vouch_for_their_head_or_their_merge_commit_only()
    {
        var pulls = Pulls(
            (1, DeployedSha, null, false),
            (2, "2222222222222222222222222222222222222222", DeployedSha, true),
            (3, "3333333333333333333333333333333333333333", DeployedSha, false),
            (4, "4444444444444444444444444444444444444444", "5555555555555555555555555555555555555555", true));

        var candidates = DeploymentSnapshotParser.CustodyCandidates(DeployedSha, [Json(pulls)]);

        Assert.Equal(
            [new CustodyCandidate(1, DeployedSha, CustodyMatch.Head), new CustodyCandidate(2, "2222222222222222222222222222222222222222", CustodyMatch.MergeCommit)],
            candidates);
    }

    [Fact]
    public void Environment_reviews_are_read_from_githubs_documented_approvals_response()
    {
        var approvals = DeploymentSnapshotParser.Approvals(Json(GitHubExamples.Get("environment-approvals-items")));

        var review = Assert.Single(approvals);
        Assert.Equal(("octocat", 1L, "approved", "Ship it!"), (review.User.Login, review.User.Id, review.State, review.Comment));
        Assert.Equal<string>(["staging"], review.Environments);
    }

    [Fact]
    public void The_payload_file_parses_and_drives_a_decision()
    {
        var approvals = GitHubExamples.Get("environment-approvals-items").AsArray();
        approvals[0]!["environments"]![0]!["name"] = "production";
        var facts = new DeploymentFactSet
        {
            Repository = "Codertocat/Hello-World",
            Payload = PayloadFile(),
            ApprovalPages = [Json(approvals)],
            CommitPullPages = [Json(Pulls((2, DeployedSha, null, false)))],
            TagRefs = Json(new JsonArray()),
        };

        var snapshot = DeploymentSnapshotParser.Parse(facts, "production", 5453085689, [], null);
        var policy = PullRequestEvaluator.ResolvePolicy(null, null);
        var result = DeploymentEvaluation.Evaluate(snapshot, policy, new DateTimeOffset(2024, 3, 12, 9, 45, 0, TimeSpan.Zero));

        Assert.Equal((1121983254L, DeployedSha, "changes", DeployedRefKind.Branch), (snapshot.DeploymentId, snapshot.Sha, snapshot.Ref, snapshot.RefKind));
        Assert.Equal(("master", "pull_request"), (snapshot.DefaultBranch, snapshot.Event));
        Assert.Equal(["Codertocat"], snapshot.Deployers.Select(d => d.Login));
        Assert.Equal(["octocat"], snapshot.Approvals.Select(a => a.User.Login));
        // No FinGuard decision about PR #2's head, and `changes` is not the default branch: rejected, saying why.
        Assert.Equal(DeploymentVerdict.Rejected, DeploymentEvaluator.VerdictOf(result));
        Assert.Equal("chain-of-custody:fail+deployment-separation-of-duties:error+allowed-refs:fail", result.ReasonCode);
        Assert.Equal("Deployment of ec26c3e to production rejected: 3 of 3 controls failing", result.Title);
    }

    [Fact]
    public void The_workflow_runs_triggering_actor_and_actor_are_deployers_too()
    {
        var run = GitHubExamples.Get("workflow-run").AsObject();
        run["triggering_actor"] = new JsonObject { ["login"] = "rerunner", ["id"] = 77, ["type"] = "User" };
        var facts = new DeploymentFactSet { Repository = "Codertocat/Hello-World", Payload = PayloadFile(), WorkflowRun = Json(run) };

        var snapshot = DeploymentSnapshotParser.Parse(facts, "production", 1, [], null);

        Assert.Equal(["Codertocat", "rerunner", "octocat"], snapshot.Deployers.Select(d => d.Login));
    }

    [Fact]
    public void A_compare_saying_behind_makes_the_deployed_commit_older()
    {
        Assert.True(DeploymentSnapshotParser.IsAncestorOfPrevious(Json(new JsonObject { ["status"] = "behind" })));
        Assert.False(DeploymentSnapshotParser.IsAncestorOfPrevious(Json(new JsonObject { ["status"] = "diverged" })));
        Assert.False(DeploymentSnapshotParser.IsAncestorOfPrevious(Json(new JsonObject { ["status"] = "ahead" })));
        Assert.Null(DeploymentSnapshotParser.IsAncestorOfPrevious(null));
    }
}
