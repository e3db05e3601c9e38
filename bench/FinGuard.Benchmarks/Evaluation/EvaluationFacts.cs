using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.GitHub.Evaluation;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Benchmarks.Evaluation;

/// <summary>
/// The facts of a large pull request, as GitHub's REST API returns them (built by <see cref="PullRequestScenario"/>
/// from GitHub's documented examples): <c>commits</c> signed commits by five authors, <c>reviews</c> reviews by as many
/// reviewers (approvals, comments and change requests, half on the head, half on older commits), in pages of 100,
/// and a repository policy file on the base branch.
/// </summary>
public sealed class EvaluationFacts
{
    public const string RepositoryPolicy = """
        version: 1
        branches: [$default, release/*]
        signed-commits:
          enabled: true
          allowed-kinds: [gpg, ssh]
        separation-of-duties:
          enabled: true
          required-approvals: 2
          block-on-changes-requested: true
          exclude-approvers: [ci-admin, release-bot]
        """;

    private EvaluationFacts(PullRequestFactSet facts, IReadOnlyList<byte[]> json)
    {
        Facts = facts;
        Json = json;
    }

    public PullRequestFactSet Facts { get; }

    /// <summary>The same responses as raw UTF-8 JSON (pull request, commit pages, review pages): the baseline parses these.</summary>
    public IReadOnlyList<byte[]> Json { get; }

    public int JsonBytes => Json.Sum(b => b.Length);

    public static EvaluationFacts Create(int commits, int reviews)
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: "payments", number: 42);
        for (var c = 0; c < commits; c++)
        {
            var author = c % 5;
            scenario.Commits.Add(new ScenarioCommit(Sha("commit", c), Verified: true, "valid", $"Change {c}: adjust settlement rules", $"dev-{author}", 100 + author));
        }

        // Every review is by a different reviewer, so each one adds the same kind of work (one more reviewer to
        // classify and explain): what the allocation-per-review measure needs. States cycle; half are on the head.
        var head = scenario.HeadSha;
        var start = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
        string[] states = ["APPROVED", "COMMENTED", "CHANGES_REQUESTED", "COMMENTED", "APPROVED"];
        for (var r = 0; r < reviews; r++)
        {
            scenario.Reviews.Add(new ScenarioReview(
                80 + r,
                $"reviewer-{r}",
                9000 + r,
                states[r % states.Length],
                r % 2 == 0 ? head : scenario.Commits[r * 7 % commits].Sha,
                start.AddMinutes(r).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        }

        var pull = scenario.PullJson().ToJsonString();
        var commitPages = scenario.CommitPages(100);
        var reviewItems = JsonNode.Parse(scenario.ReviewsJson())!.AsArray();
        var reviewPages = new List<string>();
        for (var i = 0; i < Math.Max(1, reviewItems.Count); i += 100)
        {
            reviewPages.Add(new JsonArray([.. reviewItems.Skip(i).Take(100).Select(n => n!.DeepClone())]).ToJsonString());
        }

        var facts = new PullRequestFactSet
        {
            Repository = scenario.FullName,
            Pull = Element(pull),
            CommitPages = [.. commitPages.Select(Element)],
            ReviewPages = [.. reviewPages.Select(Element)],
            RepositoryPolicy = new PolicyFile(scenario.FullName, ".github/finguard.yml", "main", Sha("blob", 0), RepositoryPolicy),
        };
        return new EvaluationFacts(facts, [.. new[] { pull }.Concat(commitPages).Concat(reviewPages).Select(Encoding.UTF8.GetBytes)]);
    }

    private static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string Sha(string kind, int index) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}-{index}")), 0, 20);
}
