using FinGuard.Storage.Deployments;

namespace FinGuard.Storage.Tests.Deployments;

/// <summary>
/// What every deployment request store must do. Each subclass supplies fresh, isolated storage per test;
/// <see cref="CreateBackend"/> may be called several times to get independent stores over the same storage.
/// </summary>
public abstract class DeploymentRequestsContract : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);
    private readonly List<StorageBackend> backends = [];

    internal abstract StorageBackend CreateBackend();

    private IDeploymentRequests Store()
    {
        var backend = CreateBackend();
        backends.Add(backend);
        return backend.DeploymentRequests;
    }

    private static DeploymentRequest Request(string repository = "Octo-Org/Payments", long runId = 5453085689, long? deploymentId = 1121983254, string environment = "production", int minutes = 0) => new()
    {
        Repository = repository,
        Environment = environment,
        RunId = runId,
        DeploymentId = deploymentId,
        InstallationId = 42,
        RepositoryId = 186853002,
        Sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        Ref = "main",
        RequestDeliveryId = Guid.NewGuid().ToString(),
        RequestedAt = BaseTime.AddMinutes(minutes),
    };

    private static DeploymentDecisionPointer Decision(string state, long sequence) =>
        new(state, "octo-org/payments", sequence, $"octo-org/payments/{sequence:D12}.json", new string('a', 64), Guid.NewGuid().ToString(), BaseTime.AddHours(1));

    [Fact]
    public async Task A_new_request_is_created_waiting_and_found_again_by_key_from_another_instance()
    {
        var request = Request();

        var (stored, created) = await Store().GetOrCreateAsync(request, default);

        Assert.True(created);
        Assert.NotNull(stored.Version);
        Assert.Equal(DeploymentRequestState.Waiting, stored.State);
        var found = await Store().GetAsync("octo-org/payments", request.Key, default);
        Assert.NotNull(found);
        Assert.Equal(request with { Version = found.Version, UpdatedAt = found.UpdatedAt }, found);
        Assert.Equal(stored.Version, found.Version);
    }

    [Fact]
    public async Task Creating_the_same_request_again_returns_the_stored_one_unchanged()
    {
        var store = Store();
        var first = Request();
        var (stored, _) = await store.GetOrCreateAsync(first, default);

        var (again, created) = await Store().GetOrCreateAsync(first with { RequestDeliveryId = "other", Sha = new string('b', 40) }, default);

        Assert.False(created);
        Assert.Equal(first.RequestDeliveryId, again.RequestDeliveryId);
        Assert.Equal(first.Sha, again.Sha);
        Assert.Equal(stored.Version, again.Version);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_request_create_it_exactly_once()
    {
        var stores = Enumerable.Range(0, 3).Select(_ => Store()).ToArray();
        var request = Request();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => stores[i % stores.Length].GetOrCreateAsync(request with { RequestDeliveryId = $"d-{i}" }, default)));

        Assert.Single(outcomes, o => o.Created);
        var winner = outcomes.Single(o => o.Created).Request.RequestDeliveryId;
        Assert.All(outcomes, o => Assert.Equal(winner, o.Request.RequestDeliveryId));
    }

    [Fact]
    public async Task An_update_with_the_current_version_wins_and_a_stale_one_is_refused()
    {
        var store = Store();
        var (stored, _) = await store.GetOrCreateAsync(Request(), default);

        var decided = await store.TryUpdateAsync(stored with { State = DeploymentRequestState.Decided, Decision = Decision("approved", 7) }, default);
        var stale = await Store().TryUpdateAsync(stored with { ProgressComments = 3 }, default);

        Assert.NotNull(decided);
        Assert.NotEqual(stored.Version, decided.Version);
        Assert.Null(stale);
        var found = (await store.GetAsync(stored.Repository, stored.Key, default))!;
        Assert.Equal(DeploymentRequestState.Decided, found.State);
        Assert.Equal(7, found.Decision!.Sequence);
        Assert.Equal(0, found.ProgressComments);
        Assert.Equal(decided.Version, found.Version);
    }

    [Fact]
    public async Task Of_concurrent_updates_from_one_version_exactly_one_wins()
    {
        var (stored, _) = await Store().GetOrCreateAsync(Request(), default);
        var stores = Enumerable.Range(0, 3).Select(_ => Store()).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => stores[i % stores.Length].TryUpdateAsync(stored with { ProgressComments = i + 1 }, default)));

        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal(winner!.ProgressComments, (await Store().GetAsync(stored.Repository, stored.Key, default))!.ProgressComments);
    }

    [Fact]
    public async Task Updating_a_request_that_was_never_stored_is_refused()
    {
        Assert.Null(await Store().TryUpdateAsync(Request() with { Version = "1" }, default));
    }

    [Fact]
    public async Task A_run_lists_its_requests_of_every_environment_and_attempt_and_nothing_else()
    {
        var store = Store();
        await store.GetOrCreateAsync(Request(runId: 10, environment: "staging"), default);
        await store.GetOrCreateAsync(Request(runId: 10, environment: "production"), default);
        await store.GetOrCreateAsync(Request(runId: 10, deploymentId: 2, environment: "production"), default);
        await store.GetOrCreateAsync(Request(runId: 11), default);
        await store.GetOrCreateAsync(Request(runId: 100), default);
        await store.GetOrCreateAsync(Request(repository: "octo-org/ledger", runId: 10), default);

        var run = await Store().ListByRunAsync("octo-org/payments", 10, default);

        Assert.Equal(3, run.Count);
        Assert.All(run, r => Assert.Equal(10, r.RunId));
        Assert.All(run, r => Assert.Equal("Octo-Org/Payments", r.Repository));
        Assert.Equal(run.Select(r => r.Key).Order(StringComparer.Ordinal), run.Select(r => r.Key));
        Assert.Empty(await Store().ListByRunAsync("octo-org/payments", 12, default));
    }

    [Fact]
    public async Task Open_requests_are_those_not_answered_oldest_first()
    {
        var store = Store();
        var (late, _) = await store.GetOrCreateAsync(Request(runId: 1, minutes: 10), default);
        var (early, _) = await store.GetOrCreateAsync(Request(repository: "octo-org/ledger", runId: 2, minutes: 1), default);
        var (answered, _) = await store.GetOrCreateAsync(Request(runId: 3), default);
        var (decided, _) = await store.GetOrCreateAsync(Request(runId: 4, minutes: 5), default);
        await store.TryUpdateAsync(answered with { State = DeploymentRequestState.Answered, Decision = Decision("rejected", 1) }, default);
        await store.TryUpdateAsync(decided with { State = DeploymentRequestState.Decided, Decision = Decision("approved", 2) }, default);

        var open = await Store().ListOpenAsync(default);

        Assert.Equal([2L, 4L, 1L], open.Select(r => r.RunId));
        Assert.Equal(early.Key, open[0].Key);
        Assert.Equal(late.Key, open[2].Key);

        // One repository's open requests (any casing of its name), in the same order.
        Assert.Equal([4L, 1L], (await Store().ListOpenAsync("Octo-Org/Payments", default)).Select(r => r.RunId));
        Assert.Equal([2L], (await Store().ListOpenAsync("octo-org/ledger", default)).Select(r => r.RunId));
        Assert.Empty(await Store().ListOpenAsync("octo-org/unknown", default));
    }

    [Fact]
    public async Task The_latest_approved_deployment_of_an_environment_has_the_highest_decision_sequence()
    {
        var store = Store();
        async Task Decide(long runId, string environment, string state, long sequence, DeploymentRequestState at = DeploymentRequestState.Answered)
        {
            var (stored, _) = await store.GetOrCreateAsync(Request(runId: runId, environment: environment) with { Sha = $"{runId:D40}" }, default);
            await store.TryUpdateAsync(stored with { State = at, Decision = Decision(state, sequence) }, default);
        }

        await Decide(1, "production", "approved", 3);
        await Decide(2, "Production", "approved", 9, DeploymentRequestState.Decided);
        await Decide(3, "production", "rejected", 12);
        await Decide(4, "staging", "approved", 15);
        await store.GetOrCreateAsync(Request(runId: 5), default);

        var latest = await Store().LatestApprovedAsync("octo-org/payments", "PRODUCTION", default);

        Assert.NotNull(latest);
        Assert.Equal(2, latest.RunId);
        Assert.Equal(9, latest.Decision!.Sequence);
        Assert.Null(await Store().LatestApprovedAsync("octo-org/payments", "qa", default));
        Assert.Null(await Store().LatestApprovedAsync("octo-org/ledger", "production", default));
    }

    [Fact]
    public async Task A_decision_comment_of_the_longest_size_with_markdown_and_emoji_is_kept_exactly()
    {
        var store = Store();
        var (stored, _) = await store.GetOrCreateAsync(Request(), default);
        var comment = string.Concat(Enumerable.Repeat("✅ `a` | \"b\" <c>\n", 16_000 / 16))[..16_000];

        await store.TryUpdateAsync(stored with { State = DeploymentRequestState.Decided, Decision = Decision("approved", 4), AnswerComment = comment }, default);

        Assert.Equal(comment, (await Store().GetAsync(stored.Repository, stored.Key, default))!.AnswerComment);
        Assert.Equal(comment, Assert.Single(await Store().ListOpenAsync(default)).AnswerComment);
    }

    [Fact]
    public async Task Environment_names_with_any_characters_are_kept_exactly()
    {
        var store = Store();
        var request = Request(environment: "prod / eu-west #1?");

        await store.GetOrCreateAsync(request, default);

        var found = await Store().GetAsync(request.Repository, request.Key, default);
        Assert.Equal("prod / eu-west #1?", found!.Environment);
        Assert.Equal(request.Key, Request(environment: "PROD / EU-WEST #1?").Key);
    }

    public void Dispose()
    {
        foreach (var backend in backends)
        {
            backend.Dispose();
        }

        DisposeStorage();
        GC.SuppressFinalize(this);
    }

    protected virtual void DisposeStorage()
    {
    }
}
