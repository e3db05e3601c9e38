using System.Text.Json.Nodes;
using FinGuard.Core.Results;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using Microsoft.Extensions.DependencyInjection;

namespace FinGuard.GitHub.Tests.Snapshots;

/// <summary>Code owners and approval rules end to end: the loader against the loopback fake GitHub, then the evaluator and replay.</summary>
public sealed class PathApprovalsLoaderTests : IAsyncLifetime
{
    private const string Policy = """
        version: 1
        separation-of-duties:
          code-owners: true
          approval-rules:
            - name: Database migrations
              paths: ["db/migrations/**"]
              added-lines-match: ['(?i)\b(drop|truncate)\s+table\b']
              approver-teams: [octo-org/dba]
        """;

    private const string CodeOwners = """
        *        @octo-org/engineering
        /db/     @octo-org/dba
        """;

    private FakeGitHubServer github = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        services = FakeGitHubServices.Create(github);
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await github.DisposeAsync();
    }

    private PullRequestFactsLoader Loader => services.GetRequiredService<PullRequestFactsLoader>();

    /// <summary>GitHub's diff entry example for <paramref name="filename"/> with <paramref name="patch"/> (null: left out, as for large files).</summary>
    private static JsonObject File(string filename, string? patch)
    {
        var entry = GitHubExamples.Get("diff-entry-items").AsArray()[0]!.DeepClone().AsObject();
        entry["filename"] = filename;
        entry["status"] = "added";
        if (patch is null)
        {
            entry.Remove("patch");
        }
        else
        {
            entry["patch"] = patch;
        }

        return entry;
    }

    /// <summary>Serves the scenario with <paramref name="files"/> as the pull request's files, 100 a page, and the team memberships given.</summary>
    private PullRequestScenario Serve(List<JsonNode> files, Dictionary<string, string[]> teams)
    {
        var scenario = new PullRequestScenario().WithCommit(verified: true).WithTwoIndependentApprovals();
        scenario.RepositoryPolicy = Policy;
        scenario.ServeOn(github);
        var pull = scenario.PullJson();
        pull["changed_files"] = files.Count;
        github.RespondJson("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}", pull.ToJsonString());
        github.RespondPaged("GET", $"/repos/{scenario.FullName}/pulls/{scenario.Number}/files", [.. files.Chunk(100).Select(c => new JsonArray([.. c.Select(f => f.DeepClone())]).ToJsonString())]);
        github.RespondJson("GET", $"/repos/{scenario.FullName}/contents/CODEOWNERS", PullRequestScenario.ContentsJson("CODEOWNERS", CodeOwners));
        github.Respond("GET", "/orgs/octo-org/teams/{team_slug}/memberships/{username}", request =>
            teams.TryGetValue(request.RouteValues["team_slug"], out var members) && members.Contains(request.RouteValues["username"])
                ? FakeResponse.Json(GitHubExamples.Get("team-membership-response-if-user-is-a-team-maintainer"))
                : FakeResponse.NotFound());
        return scenario;
    }

    /// <summary>The facts, with the author's push of the head recorded (the server adds it from the verified delivery).</summary>
    private async Task<PullRequestFactSet> LoadAsync(PullRequestScenario scenario)
    {
        var facts = await Loader.LoadAsync(scenario.InstallationId, scenario.FullName, scenario.Number, CancellationToken.None);
        using var push = System.Text.Json.JsonDocument.Parse(
            $$$"""{"action":"synchronize","number":{{{scenario.Number}}},"pull_request":{"head":{"sha":"{{{scenario.HeadSha}}}"}},"sender":{"login":"{{{scenario.AuthorLogin}}}","id":5001,"type":"User"}}""");
        return facts.WithHeadPushes([new HeadPushDelivery(push.RootElement.Clone(), "webhook pull_request.synchronize delivery test")]);
    }

    private static List<JsonNode> Files(int count, string migrationPatch) =>
        [.. Enumerable.Range(0, count - 1).Select(i => File($"src/app/File{i}.cs", "@@ -0,0 +1 @@\n+class C {}")), File("db/migrations/0043_cleanup.sql", migrationPatch)];

    [Fact]
    public async Task A_dropped_table_needs_the_dba_and_the_decision_replays_from_the_recorded_facts()
    {
        var scenario = Serve(Files(150, "@@ -0,0 +1 @@\n+DROP TABLE legacy;"), new() { ["engineering"] = ["reviewer-bob"], ["dba"] = [] });

        var facts = await LoadAsync(scenario);
        var decision = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch);

        var control = decision.Result.Controls.Single(c => c.Id == "path-approvals");
        Assert.Equal(ControlStatus.Pending, control.Status);
        Assert.Equal(150, decision.Snapshot.ChangedFiles!.Value.Length);
        Assert.Contains(control.Details, d => d.Subject == "CODEOWNERS CODEOWNERS:1 *" && d.Ok && d.Message.Contains("approved by reviewer-bob", StringComparison.Ordinal));
        Assert.Contains(control.Details, d => d.Subject == "CODEOWNERS CODEOWNERS:2 /db/" && !d.Ok);
        Assert.Contains(control.Details, d => d.Subject == "Database migrations" && !d.Ok && d.Message.Contains("`DROP TABLE legacy;`", StringComparison.Ordinal));

        // Two pages of files; CODEOWNERS looked for where GitHub looks, first found wins (docs/ is not read).
        var pages = github.FindRequests("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files");
        Assert.Equal(2, pages.Count);
        Assert.Equal("100", pages[0].Query["per_page"]);
        Assert.Equal("main", Assert.Single(github.Requests, r => r.Path == $"/repos/{scenario.FullName}/contents/.github/CODEOWNERS").Query["ref"]);
        Assert.Single(github.Requests, r => r.Path == $"/repos/{scenario.FullName}/contents/CODEOWNERS");
        Assert.DoesNotContain(github.Requests, r => r.Path == $"/repos/{scenario.FullName}/contents/docs/CODEOWNERS");
        Assert.Equal(["files", "files.page2", "codeowners"], facts.Facts.Where(f => f.Name.StartsWith("files", StringComparison.Ordinal) || f.Name == "codeowners").Select(f => f.Name));
        github.AssertAllRequestsExistInOpenApi();

        var replayed = PullRequestEvaluator.Evaluate(PullRequestFactSet.FromFacts(scenario.FullName, facts.Facts), DateTimeOffset.UnixEpoch);
        Assert.Equal(control, replayed.Result.Controls.Single(c => c.Id == "path-approvals"), ControlComparer.Instance);
    }

    [Fact]
    public async Task A_dba_member_approval_meets_the_rule_and_the_owner_line()
    {
        var scenario = Serve(Files(3, "@@ -0,0 +1 @@\n+DROP TABLE legacy;"), new() { ["engineering"] = ["reviewer-bob"], ["dba"] = ["reviewer-carol"] });

        var facts = await LoadAsync(scenario);

        var control = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch).Result.Controls.Single(c => c.Id == "path-approvals");
        Assert.Equal(ControlStatus.Pass, control.Status);
        github.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task A_migration_without_its_patch_makes_the_rule_apply()
    {
        var files = Files(2, "");
        files[^1] = File("db/migrations/0043_cleanup.sql", null);
        var scenario = Serve(files, new() { ["engineering"] = ["reviewer-bob"] });

        var facts = await LoadAsync(scenario);

        var control = PullRequestEvaluator.Evaluate(facts, DateTimeOffset.UnixEpoch).Result.Controls.Single(c => c.Id == "path-approvals");
        Assert.Equal(ControlStatus.Pending, control.Status);
        Assert.Contains(control.Details, d => d.Subject == "Database migrations" && d.Message.Contains("GitHub did not include its patch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Patches_are_not_recorded_when_no_rule_reads_added_lines()
    {
        var scenario = Serve(Files(2, "@@ -0,0 +1 @@\n+DROP TABLE legacy;"), new() { ["engineering"] = ["reviewer-bob"] });
        scenario.RepositoryPolicy = "version: 1\nseparation-of-duties:\n  code-owners: true\n";
        github.RespondJson("GET", $"/repos/{scenario.FullName}/contents/.github/finguard.yml", PullRequestScenario.ContentsJson(".github/finguard.yml", scenario.RepositoryPolicy));

        var facts = await LoadAsync(scenario);

        var recorded = Assert.Single(facts.Facts, f => f.Name == "files").Body.EnumerateArray().ToList();
        Assert.All(recorded, f => Assert.False(f.TryGetProperty("patch", out _)));
        Assert.All(recorded, f => Assert.True(f.TryGetProperty("filename", out _)));
    }

    /// <summary>Compares results by their JSON (records with arrays do not compare by value).</summary>
    private sealed class ControlComparer : IEqualityComparer<ControlResult>
    {
        public static readonly ControlComparer Instance = new();

        public bool Equals(ControlResult? x, ControlResult? y) =>
            System.Text.Json.JsonSerializer.Serialize(x) == System.Text.Json.JsonSerializer.Serialize(y);

        public int GetHashCode(ControlResult obj) => 0;
    }
}
