using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Processing;
using FinGuard.Storage;
using FinGuard.Storage.Evidence;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// A local-folder evidence store filled with real decisions: each made by the server's evaluator from a
/// <see cref="PullRequestScenario"/>'s GitHub responses and recorded by <see cref="EvidenceRecordFactory"/>, appended
/// through the real chain writer; plus daily checkpoints written by <see cref="CheckpointWriter"/> on a fake clock.
/// </summary>
internal sealed class EvidenceTestStore : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    private EvidenceTestStore(string root, ServiceProvider provider)
    {
        Root = root;
        this.provider = provider;
        Store = provider.GetRequiredService<IEvidenceStore>();
        Catalog = CheckpointChainCatalog.Create(provider.GetRequiredService<IOptions<StorageOptions>>().Value);
    }

    public string Root { get; }

    public IEvidenceStore Store { get; }

    public ICheckpointChainCatalog Catalog { get; }

    public static EvidenceTestStore Create()
    {
        var root = TempDirectory.Create();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:LocalPath"] = root })
            .Build();
        return new EvidenceTestStore(root, new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider());
    }

    /// <summary>Evaluates the scenario at <paramref name="at"/> and appends the decision record.</summary>
    public async Task<EvidenceReceipt> DecideAsync(PullRequestScenario scenario, DateTimeOffset at)
    {
        var record = Decide(scenario, at);
        return await Store.AppendAsync(record, CancellationToken.None);
    }

    /// <summary>The evidence record the server would write for the scenario's pull request evaluated at <paramref name="at"/>.</summary>
    public static EvidenceRecord Decide(PullRequestScenario scenario, DateTimeOffset at, string mode = EvidenceModes.Development)
    {
        var repository = scenario.FullName;
        var facts = new List<GitHubFact> { new(PullRequestFactSet.PullFact, $"GET /repos/{repository}/pulls/{scenario.Number}", Json(scenario.PullJson().ToJsonString())) };
        var pages = scenario.CommitPages();
        for (var i = 0; i < pages.Count; i++)
        {
            facts.Add(new GitHubFact(i == 0 ? PullRequestFactSet.CommitsFact : $"{PullRequestFactSet.CommitsFact}.page{i + 1}",
                $"GET /repos/{repository}/pulls/{scenario.Number}/commits?per_page=100&page={i + 1}", Json(pages[i])));
        }

        facts.Add(new GitHubFact(PullRequestFactSet.ReviewsFact, $"GET /repos/{repository}/pulls/{scenario.Number}/reviews?per_page=100", Json(scenario.ReviewsJson())));
        if (scenario.RepositoryPolicy is not null)
        {
            facts.Add(new GitHubFact(PullRequestFactSet.RepositoryPolicyFact, $"GET /repos/{repository}/contents/.github/finguard.yml",
                new PolicyFile(repository, ".github/finguard.yml", scenario.BaseRef, "0123456789abcdef0123456789abcdef01234567", scenario.RepositoryPolicy).ToJson()));
        }

        var set = PullRequestFactSet.FromFacts(repository, facts);
        var decision = PullRequestEvaluator.Evaluate(set, at);
        var trigger = new PullRequestTrigger(
            scenario.InstallationId, repository, 1296269, scenario.Number, Guid.NewGuid().ToString(), "pull_request", "synchronize",
            new EvidenceActor("User", 583231, scenario.AuthorLogin));
        return EvidenceRecordFactory.ForPullRequest(trigger, set, decision, at, mode);
    }

    /// <summary>A checkpoint writer whose clock reads <paramref name="now"/>.</summary>
    public CheckpointWriter Checkpoints(DateTimeOffset now) => new(Store, Catalog, new EvidenceModeState(), new FakeTimeProvider(now));

    /// <summary>The local store's evidence folder: <c>{root}/evidence</c>.</summary>
    public string EvidenceFolder => Path.Combine(Root, "evidence");

    public string RecordPath(string objectName) => Path.Combine(EvidenceFolder, objectName.Replace('/', Path.DirectorySeparatorChar));

    public async ValueTask DisposeAsync()
    {
        await provider.DisposeAsync();
        TempDirectory.Delete(Root);
    }

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
