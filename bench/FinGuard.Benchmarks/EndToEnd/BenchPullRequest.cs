using FinGuard.Benchmarks.Load;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Benchmarks.EndToEnd;

/// <summary>
/// One pull request of the end-to-end load: its own head SHA, the GitHub REST responses the fake serves for it, and
/// its signed 25 KiB <c>pull_request.synchronize</c> delivery. Built before the load starts, so the fake and the
/// client only look things up while it runs.
/// </summary>
/// <param name="Repository"><c>owner/repo</c>.</param>
/// <param name="Number">Pull request number.</param>
/// <param name="HeadSha">Head SHA: the key the published check run is matched on.</param>
/// <param name="PullJson">GET /repos/{owner}/{repo}/pulls/{number}.</param>
/// <param name="CompareJson">GET …/compare/{base}...{head}: the pull request's commits.</param>
/// <param name="ReviewsJson">GET …/pulls/{number}/reviews (one page).</param>
/// <param name="Delivery">The webhook delivery that triggers its evaluation.</param>
public sealed record BenchPullRequest(string Repository, int Number, string HeadSha, string PullJson, string CompareJson, string ReviewsJson, WebhookDelivery Delivery)
{
    public string Key => Keyed(Repository, Number);

    public static string Keyed(string repository, int number) => $"{repository}#{number}";

    /// <summary>
    /// <paramref name="count"/> pull requests spread over <paramref name="repositories"/> repositories of one
    /// installation (one evidence hash chain per repository), each with two verified commits and two independent
    /// approvals, so FinGuard's default policy passes them.
    /// </summary>
    public static IReadOnlyList<BenchPullRequest> Create(int count, int repositories, string webhookSecret)
    {
        var example = WebhookDelivery.RecordedSynchronizeExample();
        var result = new BenchPullRequest[count];
        Parallel.For(0, count, i =>
        {
            var scenario = new PullRequestScenario(owner: "octo-org", repo: $"ledger-{i % repositories:D2}", number: 1000 + i)
                .WithCommit(verified: true, message: "Add settlement report")
                .WithCommit(verified: true, message: "Fix rounding in fees")
                .WithTwoIndependentApprovals();
            var body = WebhookDelivery.PaddedPullRequestBody(scenario, (System.Text.Json.Nodes.JsonObject)example.DeepClone(), Ingestion.IngestionBenchmark.PayloadBytes);
            result[i] = new BenchPullRequest(
                scenario.FullName,
                scenario.Number,
                scenario.HeadSha,
                scenario.PullJson().ToJsonString(),
                scenario.CompareJson(),
                scenario.ReviewsJson(),
                new WebhookDelivery("pull_request", body, webhookSecret));
        });
        return result;
    }
}
