using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Tests.Evidence;

/// <summary>
/// What every evidence backend must do. Each concrete subclass supplies fresh, isolated storage per test;
/// <see cref="CreateBackend"/> may be called several times to get independent writers over the same storage
/// (separate processes, as far as the backend can tell).
/// </summary>
public abstract class EvidenceStoreContract : IDisposable
{
    private readonly List<StorageBackend> _backends = [];

    internal abstract StorageBackend CreateBackend();

    [Fact]
    public async Task Append_assigns_sequences_from_1_and_links_each_record_to_the_hash_of_the_previous_stored_bytes()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();

        var receipts = new List<EvidenceReceipt>();
        for (var n = 1; n <= 3; n++)
        {
            receipts.Add(await store.AppendAsync(EvidenceRecords.Create(chain, n), default));
        }

        Assert.Equal([1L, 2L, 3L], receipts.Select(r => r.Sequence));
        Assert.Null(receipts[0].PreviousSha256);
        string? previous = null;
        foreach (var receipt in receipts)
        {
            var bytes = await store.ReadAsync(receipt.BlobName, default);
            Assert.NotNull(bytes);
            var stored = EvidenceSerializer.FromBytes(bytes);
            Assert.Equal(receipt.Sequence, stored.Sequence);
            Assert.Equal(previous, stored.PreviousSha256);
            Assert.Equal(previous, receipt.PreviousSha256);
            previous = CanonicalJson.Sha256Hex(bytes);
            Assert.Equal(previous, receipt.Sha256);
        }
    }

    [Fact]
    public async Task Stored_bytes_are_exactly_the_canonical_bytes_and_hash_to_the_receipt()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();
        var first = await store.AppendAsync(EvidenceRecords.Create(chain, 1), default);
        var record = EvidenceRecords.Create(chain, 2) with { Sequence = 77, PreviousSha256 = "caller-supplied values are replaced" };

        var receipt = await store.AppendAsync(record, default);

        var expected = EvidenceSerializer.ToCanonicalBytes(record with { Sequence = 2, PreviousSha256 = first.Sha256 });
        var stored = await store.ReadAsync(receipt.BlobName, default);
        Assert.Equal(expected, stored);
        Assert.Equal(CanonicalJson.Sha256Hex(expected), receipt.Sha256);
        Assert.Equal(stored, CanonicalJson.Canonicalize(stored)); // canonical form is a fixed point
        Assert.Equal($"{chain}/000000000002.json", receipt.BlobName);
        Assert.Equal(chain, receipt.Chain);
    }

    [Fact]
    public async Task Chain_names_are_lower_cased_into_the_record_and_the_object_name()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();

        var receipt = await store.AppendAsync(EvidenceRecords.Create(chain.ToUpperInvariant()), default);

        Assert.Equal(chain, receipt.Chain);
        Assert.StartsWith(chain + "/", receipt.BlobName, StringComparison.Ordinal);
        Assert.Equal(chain, EvidenceSerializer.FromBytes(await store.ReadAsync(receipt.BlobName, default)).Chain);
        Assert.Single(await store.ListAsync(chain.ToUpperInvariant(), default).ToListAsync());
    }

    [Theory]
    [InlineData("../repo")]
    [InlineData("owner/..")]
    [InlineData("owner\\repo")]
    [InlineData("owner/repo/extra")]
    [InlineData("/etc/passwd")]
    [InlineData("owner")]
    [InlineData("owner/re po")]
    public async Task Invalid_chain_names_are_rejected_before_anything_is_written(string chain)
    {
        var store = Backend().Evidence;

        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(EvidenceRecords.Create(chain), default));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("owner/repo/../../../x.json")]
    [InlineData("owner/repo/1.json")]
    [InlineData("owner\\repo\\000000000001.json")]
    public async Task Reading_a_name_that_is_not_an_evidence_object_name_is_rejected(string name)
    {
        var store = Backend().Evidence;

        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(name, default));
    }

    [Fact]
    public async Task Reading_an_absent_object_returns_null()
    {
        var store = Backend().Evidence;

        Assert.Null(await store.ReadAsync(EvidenceObjectNames.ObjectName(EvidenceRecords.NewChain(), 1), default));
    }

    [Fact]
    public async Task List_yields_the_index_rows_of_one_chain_in_sequence_order()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();
        var other = EvidenceRecords.NewChain();
        var records = new List<(EvidenceRecord Record, EvidenceReceipt Receipt)>();
        for (var n = 1; n <= 12; n++)
        {
            var record = EvidenceRecords.Create(chain, n, n % 3 == 0 ? EvidenceRecords.ShaB : EvidenceRecords.ShaA, pullRequest: n % 4 == 0 ? null : n);
            records.Add((record, await store.AppendAsync(record, default)));
        }

        await store.AppendAsync(EvidenceRecords.Create(other), default);

        var rows = await store.ListAsync(chain, default).ToListAsync();

        Assert.Equal(Enumerable.Range(1, 12).Select(n => (long)n), rows.Select(r => r.Sequence));
        foreach (var (row, (record, receipt)) in rows.Zip(records))
        {
            Assert.Equal(
                new EvidenceIndexEntry(
                    chain, receipt.Sequence, record.EventId, record.Subject.Type, record.Subject.PullRequest, record.Subject.HeadSha,
                    record.Timestamp, record.Result.Verdict, record.DeliveryId, receipt.BlobName, receipt.Sha256),
                row);
            Assert.Equal(record.Timestamp.UtcTicks, row.Timestamp.UtcTicks);
        }

        Assert.Empty(await store.ListAsync(EvidenceRecords.NewChain(), default).ToListAsync());
    }

    [Fact]
    public async Task FindBySha_returns_the_decisions_about_one_head_sha_newest_first()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();
        string[] shas = [EvidenceRecords.ShaA, EvidenceRecords.ShaB, EvidenceRecords.ShaA, EvidenceRecords.ShaA, EvidenceRecords.ShaB];
        for (var n = 0; n < shas.Length; n++)
        {
            await store.AppendAsync(EvidenceRecords.Create(chain, n + 1, shas[n]), default);
        }

        await store.AppendAsync(EvidenceRecords.Create(EvidenceRecords.NewChain(), 1, EvidenceRecords.ShaA), default);

        var found = await store.FindByShaAsync(chain, EvidenceRecords.ShaA, default);

        Assert.Equal([4L, 3L, 1L], found.Select(e => e.Sequence));
        Assert.All(found, e => Assert.Equal(EvidenceRecords.ShaA, e.HeadSha));
        Assert.All(found, e => Assert.Equal(chain, e.Chain));
        Assert.Equal([5L, 2L], (await store.FindByShaAsync(chain, EvidenceRecords.ShaB, default)).Select(e => e.Sequence));
        Assert.Empty(await store.FindByShaAsync(chain, new string('f', 40), default));
        Assert.Empty(await store.FindByShaAsync(chain, EvidenceRecords.ShaA[..39], default)); // a prefix is not a match
    }

    [Fact]
    public async Task Twenty_concurrent_appends_to_one_chain_form_one_unbroken_chain()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();

        var receipts = await Task.WhenAll(Enumerable.Range(1, 20).Select(n => Task.Run(() => store.AppendAsync(EvidenceRecords.Create(chain, n), default))));

        await AssertUnbrokenChainAsync(store, chain, receipts, 20);
    }

    [Fact]
    public async Task Twenty_concurrent_appends_from_four_independent_writers_form_one_unbroken_chain()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => Backend().Evidence).ToArray();
        var chain = EvidenceRecords.NewChain();

        var receipts = await Task.WhenAll(Enumerable.Range(1, 20).Select(n =>
            Task.Run(() => stores[n % stores.Length].AppendAsync(EvidenceRecords.Create(chain, n), default))));

        await AssertUnbrokenChainAsync(stores[0], chain, receipts, 20);
    }

    [Fact]
    public async Task A_new_writer_over_the_same_storage_continues_the_chain()
    {
        var chain = EvidenceRecords.NewChain();
        var first = Backend().Evidence;
        await first.AppendAsync(EvidenceRecords.Create(chain, 1), default);
        var second = await first.AppendAsync(EvidenceRecords.Create(chain, 2), default);

        var restarted = Backend().Evidence;
        var third = await restarted.AppendAsync(EvidenceRecords.Create(chain, 3), default);

        Assert.Equal(3, third.Sequence);
        Assert.Equal(second.Sha256, third.PreviousSha256);
        var fourth = await first.AppendAsync(EvidenceRecords.Create(chain, 4), default); // the first writer notices it
        Assert.Equal(4, fourth.Sequence);
        Assert.Equal(third.Sha256, fourth.PreviousSha256);
    }

    [Fact]
    public async Task An_existing_object_is_never_overwritten_and_the_chain_continues_after_an_orphan()
    {
        // A writer crashed after creating record 3 but before indexing it or moving the head.
        var backend = Backend();
        var store = backend.Evidence;
        var chain = EvidenceRecords.NewChain();
        await store.AppendAsync(EvidenceRecords.Create(chain, 1), default);
        var second = await store.AppendAsync(EvidenceRecords.Create(chain, 2), default);
        var orphanRecord = EvidenceRecords.Create(chain, 3) with { Sequence = 3, PreviousSha256 = second.Sha256 };
        var orphanBytes = EvidenceSerializer.ToCanonicalBytes(orphanRecord);
        var orphanName = EvidenceObjectNames.ObjectName(chain, 3);
        Assert.True(await backend.EvidenceObjects.TryCreateAsync(orphanName, orphanBytes, default));

        var receipt = await store.AppendAsync(EvidenceRecords.Create(chain, 4), default);

        Assert.Equal(4, receipt.Sequence);
        Assert.Equal(CanonicalJson.Sha256Hex(orphanBytes), receipt.PreviousSha256);
        Assert.Equal(orphanBytes, await store.ReadAsync(orphanName, default));
        var rows = await store.ListAsync(chain, default).ToListAsync();
        Assert.Equal([1L, 2L, 3L, 4L], rows.Select(r => r.Sequence)); // the orphan got indexed too
        Assert.Equal(orphanRecord.EventId, rows[2].EventId);
        Assert.Equal(CanonicalJson.Sha256Hex(orphanBytes), rows[2].Sha256);
    }

    [Fact]
    public async Task Creating_an_object_that_exists_writes_nothing()
    {
        var objects = Backend().EvidenceObjects;
        var name = EvidenceObjectNames.ObjectName(EvidenceRecords.NewChain(), 1);
        byte[] original = [1, 2, 3];

        Assert.True(await objects.TryCreateAsync(name, original, default));
        Assert.False(await objects.TryCreateAsync(name, new byte[] { 9, 9, 9, 9 }, default));
        Assert.False(await objects.TryCreateAsync(name, original, default));

        Assert.Equal(original, await objects.ReadAsync(name, default));
    }

    [Fact]
    public async Task An_occupant_that_does_not_link_to_its_predecessor_stops_the_append()
    {
        var backend = Backend();
        var chain = EvidenceRecords.NewChain();
        await backend.Evidence.AppendAsync(EvidenceRecords.Create(chain, 1), default);
        var forged = EvidenceRecords.Create(chain, 2) with { Sequence = 2, PreviousSha256 = new string('0', 64) };
        Assert.True(await backend.EvidenceObjects.TryCreateAsync(EvidenceObjectNames.ObjectName(chain, 2), EvidenceSerializer.ToCanonicalBytes(forged), default));

        var ex = await Assert.ThrowsAsync<EvidenceChainException>(() => backend.Evidence.AppendAsync(EvidenceRecords.Create(chain, 3), default));

        Assert.Contains("broken at record 2", ex.Message, StringComparison.Ordinal);
        Assert.Null(await backend.Evidence.ReadAsync(EvidenceObjectNames.ObjectName(chain, 3), default));
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

    /// <summary>Deletes the per-test storage.</summary>
    protected virtual void DisposeStorage()
    {
    }

    internal StorageBackend Backend()
    {
        var backend = CreateBackend();
        _backends.Add(backend);
        return backend;
    }

    private static async Task AssertUnbrokenChainAsync(IEvidenceStore store, string chain, IReadOnlyCollection<EvidenceReceipt> receipts, int count)
    {
        Assert.Equal(Enumerable.Range(1, count).Select(n => (long)n), receipts.Select(r => r.Sequence).Order());
        var rows = await store.ListAsync(chain, default).ToListAsync();
        Assert.Equal(Enumerable.Range(1, count).Select(n => (long)n), rows.Select(r => r.Sequence));
        Assert.Equal(count, rows.Select(r => r.EventId).Distinct().Count());

        string? previous = null;
        for (var sequence = 1; sequence <= count; sequence++)
        {
            var bytes = await store.ReadAsync(EvidenceObjectNames.ObjectName(chain, sequence), default);
            Assert.NotNull(bytes);
            var record = EvidenceSerializer.FromBytes(bytes);
            Assert.Equal(sequence, record.Sequence);
            Assert.Equal(previous, record.PreviousSha256);
            previous = CanonicalJson.Sha256Hex(bytes);
            Assert.Equal(previous, rows[sequence - 1].Sha256);
        }

        Assert.Null(await store.ReadAsync(EvidenceObjectNames.ObjectName(chain, count + 1), default));
    }
}
