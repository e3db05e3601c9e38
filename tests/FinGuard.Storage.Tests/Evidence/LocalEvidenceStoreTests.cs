using FinGuard.Core.Evidence;

namespace FinGuard.Storage.Tests.Evidence;

public sealed class LocalEvidenceStoreTests : EvidenceStoreContract
{
    private readonly string _root = TestStorage.NewTempRoot();

    internal override StorageBackend CreateBackend() => StorageBackend.CreateLocal(_root);

    [Fact]
    public async Task Records_are_files_under_evidence_owner_repo_sequence()
    {
        var chain = EvidenceRecords.NewChain();
        var receipt = await Backend().Evidence.AppendAsync(EvidenceRecords.Create(chain), default);

        var path = Path.Combine(_root, "evidence", chain.Split('/')[0], chain.Split('/')[1], "000000000001.json");
        Assert.Equal(await File.ReadAllBytesAsync(path), await Backend().Evidence.ReadAsync(receipt.BlobName, default));
    }

    [Fact]
    public async Task A_temp_file_left_by_a_crash_mid_write_breaks_neither_listing_nor_the_next_append()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();
        await store.AppendAsync(EvidenceRecords.Create(chain, 1), default);
        var second = await store.AppendAsync(EvidenceRecords.Create(chain, 2), default);
        var (owner, repo) = (chain.Split('/')[0], chain.Split('/')[1]);
        var torn = EvidenceSerializer.ToCanonicalBytes(EvidenceRecords.Create(chain, 3))[..40];
        await File.WriteAllBytesAsync(Path.Combine(_root, "evidence", owner, repo, $"000000000003.json.{Guid.NewGuid():N}.tmp"), torn);
        await File.WriteAllBytesAsync(Path.Combine(_root, "index", owner, repo, $"000000000003.json.{Guid.NewGuid():N}.tmp"), torn);

        var restarted = Backend().Evidence;
        Assert.Equal([1L, 2L], (await restarted.ListAsync(chain, default).ToListAsync()).Select(r => r.Sequence));
        var third = await restarted.AppendAsync(EvidenceRecords.Create(chain, 3), default);

        Assert.Equal(3, third.Sequence);
        Assert.Equal(second.Sha256, third.PreviousSha256);
        Assert.Equal([1L, 2L, 3L], (await restarted.ListAsync(chain, default).ToListAsync()).Select(r => r.Sequence));
    }

    [Fact]
    public async Task FindBySha_sees_records_another_process_on_the_same_folder_appends_after_its_first_lookup()
    {
        // Two backends on one folder: what a restarted or second `finguard` process sees. Each keeps the rows it has read.
        var first = Backend().Evidence;
        var second = StorageBackend.CreateLocal(_root).Evidence;
        var chain = EvidenceRecords.NewChain();
        await first.AppendAsync(EvidenceRecords.Create(chain, 1, EvidenceRecords.ShaA), default);

        Assert.Equal([1L], (await second.FindByShaAsync(chain, EvidenceRecords.ShaA, default)).Select(e => e.Sequence));
        Assert.Empty(await second.FindByShaAsync(chain, EvidenceRecords.ShaB, default));

        await first.AppendAsync(EvidenceRecords.Create(chain, 2, EvidenceRecords.ShaB), default);
        await first.AppendAsync(EvidenceRecords.Create(chain, 3, EvidenceRecords.ShaA), default);

        Assert.Equal([3L, 1L], (await second.FindByShaAsync(chain, EvidenceRecords.ShaA, default)).Select(e => e.Sequence));
        Assert.Equal([2L], (await second.FindByShaAsync(chain, EvidenceRecords.ShaB, default)).Select(e => e.Sequence));

        // And the other way round: the second appends (after adopting the chain head), the first finds it.
        await second.AppendAsync(EvidenceRecords.Create(chain, 4, EvidenceRecords.ShaB), default);
        Assert.Equal([4L, 2L], (await first.FindByShaAsync(chain, EvidenceRecords.ShaB, default)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task FindBySha_finds_a_row_another_process_wrote_below_one_this_process_wrote()
    {
        // The first process knows rows 1 and 3 (it listed 1 and wrote 3); row 2 came from the second process.
        var first = Backend().Evidence;
        var second = StorageBackend.CreateLocal(_root).Evidence;
        var chain = EvidenceRecords.NewChain();
        await first.AppendAsync(EvidenceRecords.Create(chain, 1, EvidenceRecords.ShaA), default);
        Assert.Empty(await first.FindByShaAsync(chain, EvidenceRecords.ShaB, default));

        await second.AppendAsync(EvidenceRecords.Create(chain, 2, EvidenceRecords.ShaB), default);
        await first.AppendAsync(EvidenceRecords.Create(chain, 3, EvidenceRecords.ShaA), default);

        Assert.Equal([2L], (await first.FindByShaAsync(chain, EvidenceRecords.ShaB, default)).Select(e => e.Sequence));
        Assert.Equal([3L, 1L], (await first.FindByShaAsync(chain, EvidenceRecords.ShaA, default)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Two_processes_taking_turns_each_carry_their_cached_head_over_the_others_rows()
    {
        // Each backend caches its chain head after its first append; every later append must walk that head forward
        // over the rows the other one wrote (hashing records it did not write itself), never link to a stale head.
        var backends = new[] { Backend().Evidence, StorageBackend.CreateLocal(_root).Evidence };
        var chain = EvidenceRecords.NewChain();
        var receipts = new List<EvidenceReceipt>();
        for (var i = 0; i < 12; i++)
        {
            // Turns of one, two and three appends, so a head sometimes has several rows to walk over.
            var writer = backends[(i / ((i % 3) + 1)) % 2];
            receipts.Add(await writer.AppendAsync(EvidenceRecords.Create(chain, i + 1), default));
        }

        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), receipts.Select(r => r.Sequence));
        var (owner, repo) = (chain.Split('/')[0], chain.Split('/')[1]);
        string? previous = null;
        foreach (var receipt in receipts)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(_root, "evidence", owner, repo, $"{receipt.Sequence:D12}.json"));
            Assert.Equal(previous, EvidenceSerializer.FromBytes(bytes).PreviousSha256);
            Assert.Equal(CanonicalJson.Sha256Hex(bytes), receipt.Sha256);
            previous = receipt.Sha256;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Index_rows_a_machine_crash_lost_or_zero_filled_are_rebuilt_from_their_records_by_the_next_process(bool listFirst)
    {
        // Rows are not fsynced (their records are): a crash of the machine can lose any row or leave it zero-filled, in
        // any order. The next process to read the chain rebuilds every such row below the highest one from its record.
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();
        var receipts = new List<EvidenceReceipt>();
        for (var i = 1; i <= 4; i++)
        {
            receipts.Add(await store.AppendAsync(EvidenceRecords.Create(chain, i, i % 2 == 0 ? EvidenceRecords.ShaB : EvidenceRecords.ShaA), default));
        }

        var (owner, repo) = (chain.Split('/')[0], chain.Split('/')[1]);
        string Row(long sequence) => Path.Combine(_root, "index", owner, repo, $"{sequence:D12}.json");
        var written = Enumerable.Range(1, 4).Select(i => File.ReadAllBytes(Row(i))).ToList();
        File.Delete(Row(2));
        File.WriteAllBytes(Row(3), new byte[written[2].Length]);

        var restarted = StorageBackend.CreateLocal(_root).Evidence;
        var listed = listFirst ? await restarted.ListAsync(chain, default).ToListAsync() : null;
        Assert.Equal([4L, 2L], (await restarted.FindByShaAsync(chain, EvidenceRecords.ShaB, default)).Select(e => e.Sequence));
        Assert.Equal([3L, 1L], (await restarted.FindByShaAsync(chain, EvidenceRecords.ShaA, default)).Select(e => e.Sequence));
        listed ??= await restarted.ListAsync(chain, default).ToListAsync();

        Assert.Equal([1L, 2L, 3L, 4L], listed.Select(e => e.Sequence));
        Assert.Equal(receipts.Select(r => r.Sha256), listed.Select(e => e.Sha256));
        Assert.All(Enumerable.Range(1, 4), i => Assert.Equal(written[i - 1], File.ReadAllBytes(Row(i))));
        var fifth = await restarted.AppendAsync(EvidenceRecords.Create(chain, 5), default);
        Assert.Equal(5, fifth.Sequence);
        Assert.Equal(receipts[3].Sha256, fifth.PreviousSha256);
    }

    [Fact]
    public async Task An_index_row_whose_record_is_missing_fails_the_read_loudly_instead_of_skipping_the_record()
    {
        var store = Backend().Evidence;
        var chain = EvidenceRecords.NewChain();
        await store.AppendAsync(EvidenceRecords.Create(chain, 1, EvidenceRecords.ShaA), default);
        await store.AppendAsync(EvidenceRecords.Create(chain, 2, EvidenceRecords.ShaB), default);
        var (owner, repo) = (chain.Split('/')[0], chain.Split('/')[1]);
        File.Delete(Path.Combine(_root, "index", owner, repo, "000000000001.json"));
        File.Delete(Path.Combine(_root, "evidence", owner, repo, "000000000001.json"));

        var restarted = StorageBackend.CreateLocal(_root).Evidence;
        var failure = await Assert.ThrowsAsync<FinGuard.Storage.Evidence.EvidenceChainException>(() => restarted.FindByShaAsync(chain, EvidenceRecords.ShaB, default));
        Assert.Contains("000000000001.json' is missing", failure.Message, StringComparison.Ordinal);
    }

    protected override void DisposeStorage() => TestStorage.DeleteTempRoot(_root);
}
