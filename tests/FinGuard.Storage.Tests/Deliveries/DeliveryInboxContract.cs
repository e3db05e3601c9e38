using FinGuard.Core.Deliveries;

namespace FinGuard.Storage.Tests.Deliveries;

/// <summary>
/// What every inbox backend must do. Each concrete subclass supplies fresh, isolated storage per test;
/// <see cref="CreateBackend"/> may be called several times to get independent inboxes over the same storage.
/// </summary>
public abstract class DeliveryInboxContract : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly List<StorageBackend> _backends = [];

    internal abstract StorageBackend CreateBackend();

    /// <summary>Flips one byte of the stored body of <paramref name="deliveryId"/>, as a bad disk or a stray edit would.</summary>
    protected abstract Task FlipOneBodyByteAsync(string deliveryId);

    /// <summary>Asserts that the quarantined entry's bytes are still stored where <paramref name="entry"/> says.</summary>
    protected abstract Task AssertKeptAsync(QuarantinedDelivery entry);

    [Fact]
    public async Task An_accepted_delivery_is_stored_pending_with_its_metadata_and_body()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery(body: """{"action":"opened","number":1}"""u8.ToArray());

        Assert.Equal(InboxAcceptOutcome.Accepted, await inbox.AcceptAsync(delivery, default));

        var stored = await Backend().Inbox.GetAsync(delivery.DeliveryId, default); // visible to another instance too
        Assert.NotNull(stored);
        Assert.Equal(DeliveryState.Pending, stored.State);
        Assert.Equal(0, stored.Attempts);
        Assert.Null(stored.LastError);
        AssertSameDelivery(delivery, stored.Delivery);
    }

    [Fact]
    public async Task Optional_metadata_may_be_absent()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery() with { Action = null, InstallationId = null, Repository = null, Event = "ping" };

        await inbox.AcceptAsync(delivery, default);

        AssertSameDelivery(delivery, (await inbox.GetAsync(delivery.DeliveryId, default))!.Delivery);
    }

    [Fact]
    public async Task Accepting_the_same_id_again_is_a_duplicate_and_keeps_the_first_body()
    {
        var inbox = Backend().Inbox;
        var first = Delivery(body: "first"u8.ToArray());
        var again = first with { Body = "second, different"u8.ToArray(), Event = "issues", ReceivedAt = BaseTime.AddMinutes(5) };

        Assert.Equal(InboxAcceptOutcome.Accepted, await inbox.AcceptAsync(first, default));
        // Another body under a stored id is told apart from a plain redelivery: GitHub never sends one.
        Assert.Equal(InboxAcceptOutcome.DuplicateWithDifferentBody, await inbox.AcceptAsync(again, default));
        Assert.Equal(InboxAcceptOutcome.DuplicateWithDifferentBody, await Backend().Inbox.AcceptAsync(again, default));
        Assert.Equal(InboxAcceptOutcome.Duplicate, await inbox.AcceptAsync(first with { ReceivedAt = BaseTime.AddMinutes(9) }, default));
        Assert.Equal(InboxAcceptOutcome.Duplicate, await Backend().Inbox.AcceptAsync(first, default));

        AssertSameDelivery(first, (await inbox.GetAsync(first.DeliveryId, default))!.Delivery);
    }

    [Fact]
    public async Task Concurrent_updates_lose_nothing_within_one_delivery_and_across_deliveries()
    {
        var inbox = Backend().Inbox;
        var retried = Delivery();
        await inbox.AcceptAsync(retried, default);
        var others = Enumerable.Range(0, 40).Select(_ => Delivery()).ToArray();
        foreach (var other in others)
        {
            await inbox.AcceptAsync(other, default);
        }

        // Six transient failures of one delivery (as when a lost hand-off made several workers take it) race with the
        // completion of forty others.
        await Task.WhenAll(
            Enumerable.Range(0, 6).Select(i => Task.Run(() => inbox.MarkFailedAsync(retried.DeliveryId, $"attempt {i}", permanent: false, default)))
                .Concat(others.Select(o => Task.Run(() => inbox.MarkCompletedAsync(o.DeliveryId, default)))));

        var stored = await inbox.GetAsync(retried.DeliveryId, default);
        Assert.Equal(6, stored!.Attempts);
        Assert.Equal(DeliveryState.Pending, stored.State);
        foreach (var other in others)
        {
            Assert.Equal(DeliveryState.Completed, (await inbox.GetAsync(other.DeliveryId, default))!.State);
        }
    }

    [Fact]
    public async Task Ten_concurrent_accepts_of_one_id_yield_exactly_one_accepted()
    {
        var inboxes = Enumerable.Range(0, 3).Select(_ => Backend().Inbox).ToArray();
        var id = Guid.NewGuid().ToString();
        var attempts = Enumerable.Range(0, 10)
            .Select(i => Delivery(id, body: System.Text.Encoding.UTF8.GetBytes($$"""{"attempt":{{i}}}""")))
            .ToArray();

        var outcomes = await Task.WhenAll(attempts.Select((delivery, i) => Task.Run(() => inboxes[i % inboxes.Length].AcceptAsync(delivery, default))));

        Assert.Single(outcomes, o => o == InboxAcceptOutcome.Accepted);
        var winner = attempts[Array.IndexOf(outcomes, InboxAcceptOutcome.Accepted)];
        var stored = await inboxes[0].GetAsync(id, default);
        AssertSameDelivery(winner, stored!.Delivery); // metadata and body of the same accept
        Assert.Single(await inboxes[1].ListPendingAsync(default));
    }

    [Fact]
    public async Task ListPending_returns_accepted_not_completed_deliveries_oldest_first()
    {
        var inbox = Backend().Inbox;
        var late = Delivery(receivedAt: BaseTime.AddMinutes(2));
        var early = Delivery(receivedAt: BaseTime);
        var middle = Delivery(receivedAt: BaseTime.AddMinutes(1));
        var done = Delivery(receivedAt: BaseTime.AddSeconds(30));
        foreach (var delivery in new[] { late, early, done, middle })
        {
            await inbox.AcceptAsync(delivery, default);
        }

        await inbox.MarkCompletedAsync(done.DeliveryId, default);

        var pending = await Backend().Inbox.ListPendingAsync(default);
        Assert.Equal([early.DeliveryId, middle.DeliveryId, late.DeliveryId], pending.Select(p => p.Delivery.DeliveryId));
        Assert.All(pending, p => Assert.Equal(DeliveryState.Pending, p.State));
        AssertSameDelivery(middle, pending[1].Delivery);
        Assert.Equal(DeliveryState.Completed, (await inbox.GetAsync(done.DeliveryId, default))!.State);
    }

    [Fact]
    public async Task A_transient_failure_keeps_the_delivery_pending_and_counts_the_attempt()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery();
        await inbox.AcceptAsync(delivery, default);

        await inbox.MarkFailedAsync(delivery.DeliveryId, "GitHub API 502", permanent: false, default);
        await inbox.MarkFailedAsync(delivery.DeliveryId, "GitHub API 503", permanent: false, default);

        var stored = await inbox.GetAsync(delivery.DeliveryId, default);
        Assert.Equal(DeliveryState.Pending, stored!.State);
        Assert.Equal(2, stored.Attempts);
        Assert.Equal("GitHub API 503", stored.LastError);
        var pending = Assert.Single(await inbox.ListPendingAsync(default));
        Assert.Equal(2, pending.Attempts);
    }

    [Fact]
    public async Task A_permanent_failure_takes_the_delivery_out_of_pending()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery();
        await inbox.AcceptAsync(delivery, default);
        await inbox.MarkFailedAsync(delivery.DeliveryId, "timeout", permanent: false, default);

        await inbox.MarkFailedAsync(delivery.DeliveryId, "payload has no repository", permanent: true, default);

        var stored = await inbox.GetAsync(delivery.DeliveryId, default);
        Assert.Equal(DeliveryState.Failed, stored!.State);
        Assert.Equal(2, stored.Attempts);
        Assert.Equal("payload has no repository", stored.LastError);
        Assert.Empty(await inbox.ListPendingAsync(default));
    }

    [Fact]
    public async Task A_completed_delivery_stays_completed()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery();
        await inbox.AcceptAsync(delivery, default);
        await inbox.MarkCompletedAsync(delivery.DeliveryId, default);

        await inbox.MarkCompletedAsync(delivery.DeliveryId, default);
        await inbox.MarkFailedAsync(delivery.DeliveryId, "late failure report", permanent: false, default);

        var stored = await inbox.GetAsync(delivery.DeliveryId, default);
        Assert.Equal(DeliveryState.Completed, stored!.State);
        Assert.Equal(0, stored.Attempts);
        Assert.Empty(await inbox.ListPendingAsync(default));
    }

    [Fact]
    public async Task A_long_failure_text_is_truncated()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery();
        await inbox.AcceptAsync(delivery, default);

        await inbox.MarkFailedAsync(delivery.DeliveryId, new string('x', 100_000), permanent: false, default);

        Assert.Equal(8_000, (await inbox.GetAsync(delivery.DeliveryId, default))!.LastError!.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public async Task Body_bytes_round_trip_exactly(int length)
    {
        var body = new byte[length];
        new Random(length).NextBytes(body);
        var inbox = Backend().Inbox;
        var delivery = Delivery(body: body);

        await inbox.AcceptAsync(delivery, default);

        Assert.Equal(body, (await Backend().Inbox.GetAsync(delivery.DeliveryId, default))!.Delivery.Body.ToArray());
        Assert.Equal(body, Assert.Single(await inbox.ListPendingAsync(default)).Delivery.Body.ToArray());
    }

    [Fact]
    public async Task An_unknown_delivery_is_absent_and_cannot_be_marked()
    {
        var inbox = Backend().Inbox;
        var id = Guid.NewGuid().ToString();

        Assert.Null(await inbox.GetAsync(id, default));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => inbox.MarkCompletedAsync(id, default));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => inbox.MarkFailedAsync(id, "x", permanent: true, default));
        Assert.Empty(await inbox.ListPendingAsync(default));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("")]
    [InlineData("id with spaces")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task Delivery_ids_that_are_not_guid_like_are_rejected(string id)
    {
        var inbox = Backend().Inbox;

        await Assert.ThrowsAsync<ArgumentException>(() => inbox.AcceptAsync(Delivery(id), default));
        await Assert.ThrowsAsync<ArgumentException>(() => inbox.GetAsync(id, default));
    }

    [Fact]
    public async Task Delivery_ids_differing_only_in_case_are_the_same_delivery()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery();

        await inbox.AcceptAsync(delivery, default);

        Assert.Equal(InboxAcceptOutcome.Duplicate, await inbox.AcceptAsync(delivery with { DeliveryId = delivery.DeliveryId.ToUpperInvariant() }, default));
        Assert.Equal(delivery.DeliveryId, (await inbox.GetAsync(delivery.DeliveryId.ToUpperInvariant(), default))!.Delivery.DeliveryId);
    }

    [Fact]
    public async Task One_corrupt_entry_among_fifty_pending_is_quarantined_and_the_other_49_are_listed()
    {
        var inbox = Backend().Inbox;
        var deliveries = Enumerable.Range(0, 50)
            .Select(i => Delivery(body: System.Text.Encoding.UTF8.GetBytes($$"""{"action":"opened","number":{{i}}}"""), receivedAt: BaseTime.AddSeconds(i)))
            .ToList();
        foreach (var delivery in deliveries)
        {
            await inbox.AcceptAsync(delivery, default);
        }

        var corrupt = deliveries[17];
        await FlipOneBodyByteAsync(corrupt.DeliveryId);

        var pending = await Backend().Inbox.ListPendingAsync(default);

        Assert.Equal(deliveries.Where(d => d != corrupt).Select(d => d.DeliveryId), pending.Select(p => p.Delivery.DeliveryId));
        var quarantined = Assert.Single(pending.Quarantined);
        Assert.Equal(corrupt.DeliveryId, quarantined.DeliveryId);
        Assert.Contains("SHA-256", quarantined.Reason, StringComparison.Ordinal);
        Assert.Equal([quarantined], await inbox.ListQuarantinedAsync(default));
        await AssertKeptAsync(quarantined);

        // Set aside: nothing reads it as a delivery any more, later listings are clean, and GitHub's redelivery of the
        // same id is stored as new.
        Assert.Null(await inbox.GetAsync(corrupt.DeliveryId, default));
        Assert.Empty((await inbox.ListPendingAsync(default)).Quarantined);
        Assert.Equal(InboxAcceptOutcome.Accepted, await inbox.AcceptAsync(corrupt, default));
        Assert.Equal(50, (await inbox.ListPendingAsync(default)).Count);
    }

    [Fact]
    public async Task Reading_a_corrupt_delivery_quarantines_it()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery();
        await inbox.AcceptAsync(delivery, default);
        await FlipOneBodyByteAsync(delivery.DeliveryId);

        Assert.Null(await inbox.GetAsync(delivery.DeliveryId, default));

        var quarantined = Assert.Single(await inbox.ListQuarantinedAsync(default));
        Assert.Equal(delivery.DeliveryId, quarantined.DeliveryId);
        await AssertKeptAsync(quarantined);
        Assert.Empty(await inbox.ListPendingAsync(default));
    }

    [Fact]
    public async Task An_operator_quarantines_a_delivery_and_retry_puts_it_back_pending()
    {
        var inbox = Backend().Inbox;
        var delivery = Delivery();
        await inbox.AcceptAsync(delivery, default);
        await inbox.MarkFailedAsync(delivery.DeliveryId, "timeout", permanent: false, default);

        var quarantined = await inbox.QuarantineAsync(delivery.DeliveryId, "operator: investigating", default);

        Assert.NotNull(quarantined);
        Assert.Equal("operator: investigating", quarantined.Reason);
        Assert.Null(await inbox.GetAsync(delivery.DeliveryId, default));
        Assert.Empty(await inbox.ListPendingAsync(default));
        Assert.Null(await inbox.QuarantineAsync(delivery.DeliveryId, "again", default));

        Assert.Equal(DeliveryRetryOutcome.Restored, await inbox.RetryAsync(delivery.DeliveryId, default));

        var stored = await inbox.GetAsync(delivery.DeliveryId, default);
        Assert.Equal(DeliveryState.Pending, stored!.State);
        Assert.Equal(0, stored.Attempts);
        AssertSameDelivery(delivery, stored.Delivery);
        Assert.Empty(await inbox.ListQuarantinedAsync(default));
        Assert.Single(await inbox.ListPendingAsync(default));
        Assert.Equal(DeliveryRetryOutcome.AlreadyPending, await inbox.RetryAsync(delivery.DeliveryId, default));
    }

    [Fact]
    public async Task Retry_makes_a_failed_delivery_pending_and_refuses_completed_unknown_and_redelivered_ones()
    {
        var inbox = Backend().Inbox;
        var failed = Delivery();
        var done = Delivery();
        var redelivered = Delivery();
        foreach (var delivery in new[] { failed, done, redelivered })
        {
            await inbox.AcceptAsync(delivery, default);
        }

        await inbox.MarkFailedAsync(failed.DeliveryId, "no repository", permanent: true, default);
        await inbox.MarkCompletedAsync(done.DeliveryId, default);
        await inbox.QuarantineAsync(redelivered.DeliveryId, "operator", default);
        await inbox.AcceptAsync(redelivered, default);

        Assert.Equal([failed.DeliveryId], (await inbox.ListFailedAsync(default)).Select(d => d.Delivery.DeliveryId));
        Assert.Equal(DeliveryRetryOutcome.MadePending, await inbox.RetryAsync(failed.DeliveryId, default));
        Assert.Equal(DeliveryRetryOutcome.AlreadyCompleted, await inbox.RetryAsync(done.DeliveryId, default));
        Assert.Equal(DeliveryRetryOutcome.StoredAgain, await inbox.RetryAsync(redelivered.DeliveryId, default));
        Assert.Equal(DeliveryRetryOutcome.NotFound, await inbox.RetryAsync(Guid.NewGuid().ToString(), default));

        Assert.Empty(await inbox.ListFailedAsync(default));
        var pending = await Backend().Inbox.ListPendingAsync(default);
        Assert.Equal([failed.DeliveryId, redelivered.DeliveryId], pending.Select(p => p.Delivery.DeliveryId).OrderBy(i => i == redelivered.DeliveryId));
        Assert.Equal(0, pending.Single(p => p.Delivery.DeliveryId == failed.DeliveryId).Attempts);
        Assert.Single(await inbox.ListQuarantinedAsync(default));
    }

    public void Dispose()
    {
        foreach (var backend in _backends)
        {
            backend.Dispose();
        }

        DisposeStorage();
        GC.SuppressFinalize(this);
    }

    protected virtual void DisposeStorage()
    {
    }

    internal StorageBackend Backend()
    {
        var backend = CreateBackend();
        _backends.Add(backend);
        return backend;
    }

    private static InboundDelivery Delivery(string? id = null, byte[]? body = null, DateTimeOffset? receivedAt = null) => new(
        id ?? Guid.NewGuid().ToString(),
        "pull_request",
        "opened",
        InstallationId: 123456,
        Repository: "Octo-Org/Hello-World",
        receivedAt ?? BaseTime,
        body ?? """{"action":"opened"}"""u8.ToArray());

    private static void AssertSameDelivery(InboundDelivery expected, InboundDelivery actual)
    {
        Assert.Equal(expected.DeliveryId, actual.DeliveryId);
        Assert.Equal(expected.Event, actual.Event);
        Assert.Equal(expected.Action, actual.Action);
        Assert.Equal(expected.InstallationId, actual.InstallationId);
        Assert.Equal(expected.Repository, actual.Repository);
        Assert.Equal(expected.ReceivedAt, actual.ReceivedAt);
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
    }
}
