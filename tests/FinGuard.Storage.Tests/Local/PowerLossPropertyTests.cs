using System.Collections.Concurrent;
using System.Text;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Local;
using FinGuard.Storage.Tests.Evidence;
using FsCheck.Xunit;

namespace FinGuard.Storage.Tests.Local;

/// <summary>
/// Power loss, not only kill -9: deliveries are accepted concurrently and processed (evidence appended, then the delivery
/// marked completed) on the local store under <see cref="PowerLossJournal"/>; then, for crash points spread over the
/// whole run, the folder is rebuilt as a power cut there would have left it (every write not yet fsynced dropped, or the
/// last one torn) and the store is opened again on what is left and resumes, as FinGuard does at start: every
/// pending delivery is processed the way the handlers do it (recover the chain, find the delivery's record, append only
/// when there is none). Afterwards: every delivery that was acknowledged (its accept returned, so it got its 202) is
/// there with its exact body and has exactly one evidence record; every record appended before the crash (its decision
/// could have been published) is intact; the chain links; no entry looks corrupt.
/// </summary>
public sealed class PowerLossPropertyTests : IDisposable
{
    private const string Chain = "octo-org/payments";
    private readonly List<string> roots = [];

    public void Dispose()
    {
        foreach (var root in roots)
        {
            TestStorage.DeleteTempRoot(root);
        }
    }

    [Property(MaxTest = 12)]
    public bool Acknowledged_deliveries_and_written_evidence_survive_any_power_cut(int seed)
    {
        RunAsync(seed).GetAwaiter().GetResult();
        return true;
    }

    private async Task RunAsync(int seed)
    {
        var random = new Random(seed);
        var root = NewRoot();
        var journal = new PowerLossJournal(root);
        var acknowledged = new ConcurrentBag<(InboundDelivery Delivery, long At)>();
        var appended = new ConcurrentBag<(EvidenceReceipt Receipt, long At)>();
        var deliveries = Enumerable.Range(0, 4 + random.Next(6))
            .Select(i => new InboundDelivery(
                Guid.NewGuid().ToString(), "pull_request", "synchronize", 1, Chain, new DateTimeOffset(2026, 12, 8, 4, 0, i, TimeSpan.Zero),
                Encoding.UTF8.GetBytes($$"""{"action":"synchronize","number":{{i}},"pad":"{{new string('x', random.Next(2000))}}"}""")))
            .ToList();

        using (WriteJournals.Listen(root, journal))
        using (var backend = StorageBackend.CreateLocal(root))
        {
            await Task.WhenAll(deliveries.Select(delivery => Task.Run(async () =>
            {
                if (await backend.Inbox.AcceptAsync(delivery, default) == InboxAcceptOutcome.Accepted)
                {
                    acknowledged.Add((delivery, journal.Sequence));
                }

                if (await ProcessAsync(backend, delivery) is { } receipt)
                {
                    appended.Add((receipt, journal.Sequence));
                }

                await backend.Inbox.MarkCompletedAsync(delivery.DeliveryId, default);
            })));
        }

        Assert.Equal(deliveries.Count, acknowledged.Count);
        var events = journal.Count;
        var crashPoints = Enumerable.Range(0, 6).Select(_ => random.Next(events + 1)).Append(events).Distinct();
        foreach (var crashPoint in crashPoints)
        {
            foreach (var mode in Enum.GetValues<PowerLossMode>())
            {
                var restarted = NewRoot();
                journal.Restore(crashPoint, mode, new Random(seed ^ crashPoint), restarted);
                await CheckAfterRestartAsync(
                    restarted,
                    [.. acknowledged.Where(a => a.At <= crashPoint).Select(a => a.Delivery)],
                    [.. appended.Where(a => a.At <= crashPoint).Select(a => a.Receipt)],
                    $"seed {seed}, crash after event {crashPoint} of {events}, {mode}");
            }
        }
    }

    private static async Task CheckAfterRestartAsync(string root, List<InboundDelivery> acknowledged, List<EvidenceReceipt> appended, string when)
    {
        using var backend = StorageBackend.CreateLocal(root);
        foreach (var delivery in acknowledged)
        {
            var stored = await backend.Inbox.GetAsync(delivery.DeliveryId, default);
            Assert.True(stored is not null, $"{when}: acknowledged delivery {delivery.DeliveryId} is gone");
            Assert.Equal(delivery.Body.ToArray(), stored.Delivery.Body.ToArray());
        }

        // FinGuard's start: resume every pending delivery.
        var pending = await backend.Inbox.ListPendingAsync(default);
        Assert.True(pending.Quarantined.Count == 0, $"{when}: a power cut made {string.Join(", ", pending.Quarantined.Select(q => q.Reason))} look corrupt");
        foreach (var resumed in pending)
        {
            await ProcessAsync(backend, resumed.Delivery);
            await backend.Inbox.MarkCompletedAsync(resumed.Delivery.DeliveryId, default);
        }

        // The chain: contiguous, every record intact and linked to the one before.
        var entries = await backend.Evidence.ListAsync(Chain, default).ToListAsync();
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
        string? previous = null;
        foreach (var entry in entries)
        {
            var verified = await backend.Evidence.ReadVerifiedAsync(entry, default);
            Assert.True(verified.Problem is null, $"{when}: record {entry.Sequence}: {verified.Problem}");
            Assert.Equal(previous, verified.Record!.PreviousSha256);
            previous = verified.Sha256;
        }

        // Processed exactly once: one record per acknowledged delivery, none twice.
        var byDelivery = entries.GroupBy(e => e.DeliveryId).ToDictionary(g => g.Key!, g => g.Count());
        Assert.All(byDelivery, d => Assert.True(d.Value == 1, $"{when}: delivery {d.Key} has {d.Value} records"));
        Assert.All(acknowledged, d => Assert.True(byDelivery.ContainsKey(d.DeliveryId), $"{when}: acknowledged delivery {d.DeliveryId} has no record"));

        // Every record appended before the cut is still there, byte for byte what was hashed.
        foreach (var receipt in appended)
        {
            var bytes = await backend.Evidence.ReadAsync(receipt.BlobName, default);
            Assert.True(bytes is not null, $"{when}: record {receipt.BlobName} written before the cut is gone");
            Assert.Equal(receipt.Sha256, CanonicalJson.Sha256Hex(bytes));
        }
    }

    /// <summary>
    /// What a handler does for a delivery: bring the chain's head forward over records a crash left unindexed, look for
    /// the delivery's record, and append one only when there is none (a retry replays, it does not decide twice).
    /// </summary>
    private static async Task<EvidenceReceipt?> ProcessAsync(StorageBackend backend, InboundDelivery delivery)
    {
        var headSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(delivery.DeliveryId)))[..40];
        await backend.Evidence.RecoverAsync(Chain, default);
        if ((await backend.Evidence.FindByShaAsync(Chain, headSha, default)).Any(e => e.DeliveryId == delivery.DeliveryId))
        {
            return null;
        }

        var record = EvidenceRecords.Create(Chain, headSha: headSha) with { DeliveryId = delivery.DeliveryId };
        return await backend.Evidence.AppendAsync(record, default);
    }

    private string NewRoot()
    {
        var root = TestStorage.NewTempRoot();
        roots.Add(root);
        return root;
    }
}
