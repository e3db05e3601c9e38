using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Tests.Evidence;

/// <summary>The chain algorithm's fault paths, over in-memory primitives where each fault can be placed exactly.</summary>
public sealed class EvidenceChainWriterTests : IDisposable
{
    private readonly InMemoryEvidenceBackend _backend = new();
    private readonly EvidenceChainWriter _writer;
    private readonly string _chain = EvidenceRecords.NewChain();

    public EvidenceChainWriterTests() => _writer = new EvidenceChainWriter(_backend, _backend, _backend);

    [Fact]
    public async Task A_write_whose_response_was_lost_is_recognised_as_our_own_and_not_written_twice()
    {
        // The first create stores the object but reports "exists", like a retried PUT answered 409 after a lost 201.
        var calls = 0;
        _backend.AfterCreate = _ => ++calls > 1;

        var receipt = await _writer.AppendAsync(EvidenceRecords.Create(_chain), default);

        Assert.Equal(1, receipt.Sequence);
        Assert.Single(_backend.Objects);
        Assert.Equal(receipt.Sha256, CanonicalJson.Sha256Hex(_backend.Objects[receipt.BlobName]));
        Assert.Single(await _writer.ListAsync(_chain, default).ToListAsync());
    }

    [Fact]
    public async Task Every_record_read_through_its_index_row_verifies_against_the_next_record_or_the_chain_head()
    {
        for (var n = 1; n <= 3; n++)
        {
            await _writer.AppendAsync(EvidenceRecords.Create(_chain, n), default);
        }

        foreach (var row in await _writer.ListAsync(_chain, default).ToListAsync())
        {
            var read = await _writer.ReadVerifiedAsync(row, default);
            Assert.True(read.Problem is null, read.Problem);
            Assert.Equal((row.Sequence, row.Sha256), (read.Record!.Sequence, read.Sha256));
        }
    }

    [Theory]
    [InlineData("verdict")]
    [InlineData("deliveryId")]
    [InlineData("headSha")]
    [InlineData("pullRequest")]
    public async Task An_index_row_that_disagrees_with_its_record_is_never_read_as_the_record(string field)
    {
        await _writer.AppendAsync(EvidenceRecords.Create(_chain, 1), default);
        await _writer.AppendAsync(EvidenceRecords.Create(_chain, 2), default);
        var row = (await _writer.ListAsync(_chain, default).ToListAsync())[0];
        var edited = field switch
        {
            "verdict" => row with { Verdict = row.Verdict == "pass" ? "fail" : "pass" },
            "deliveryId" => row with { DeliveryId = "someone-else" },
            "headSha" => row with { HeadSha = new string('e', 40) },
            _ => row with { PullRequest = 999 },
        };

        var read = await _writer.ReadVerifiedAsync(edited, default);

        Assert.Null(read.Record);
        Assert.Contains($"{row.BlobName}: its index row does not match the record ({field}: the index says", read.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_rewritten_with_its_index_row_to_match_is_caught_by_the_next_records_link()
    {
        await _writer.AppendAsync(EvidenceRecords.Create(_chain, 1), default);
        await _writer.AppendAsync(EvidenceRecords.Create(_chain, 2), default);
        var row = (await _writer.ListAsync(_chain, default).ToListAsync())[0];
        var forged = EvidenceSerializer.ToCanonicalBytes(EvidenceSerializer.FromBytes(_backend.Objects[row.BlobName]) with { DeliveryId = "forged" });
        _backend.Overwrite(row.BlobName, forged);

        var read = await _writer.ReadVerifiedAsync(row with { DeliveryId = "forged", Sha256 = CanonicalJson.Sha256Hex(forged) }, default);

        Assert.Null(read.Record);
        Assert.Equal($"{row.BlobName}: hashes to {CanonicalJson.Sha256Hex(forged)}, but record 2 links to {row.Sha256}", read.Problem);
    }

    [Fact]
    public async Task A_crash_between_object_and_index_is_repaired_by_the_next_append()
    {
        var first = await _writer.AppendAsync(EvidenceRecords.Create(_chain, 1), default);
        _backend.FailNextUpsert = new IOException("process died");
        await Assert.ThrowsAsync<IOException>(() => _writer.AppendAsync(EvidenceRecords.Create(_chain, 2), default));
        var orphan = _backend.Objects[EvidenceObjectNames.ObjectName(_chain, 2)];

        var third = await _writer.AppendAsync(EvidenceRecords.Create(_chain, 3), default);

        Assert.Equal(3, third.Sequence);
        Assert.Equal(CanonicalJson.Sha256Hex(orphan), third.PreviousSha256);
        Assert.Equal(first.Sha256, EvidenceSerializer.FromBytes(orphan).PreviousSha256);
        Assert.Equal([1L, 2L, 3L], (await _writer.ListAsync(_chain, default).ToListAsync()).Select(r => r.Sequence));
    }

    [Fact]
    public async Task Recover_indexes_a_crashed_writers_record_so_a_retry_finds_it_instead_of_deciding_again()
    {
        await _writer.AppendAsync(EvidenceRecords.Create(_chain, 1), default);
        _backend.FailNextUpsert = new IOException("process died");
        await Assert.ThrowsAsync<IOException>(() => _writer.AppendAsync(EvidenceRecords.Create(_chain, 2), default));
        Assert.Single(await _writer.ListAsync(_chain, default).ToListAsync());

        await _writer.RecoverAsync(_chain, default);

        var rows = await _writer.ListAsync(_chain, default).ToListAsync();
        Assert.Equal([1L, 2L], rows.Select(r => r.Sequence));
        Assert.Equal(CanonicalJson.Sha256Hex(_backend.Objects[EvidenceObjectNames.ObjectName(_chain, 2)]), rows[1].Sha256);

        // Nothing left to recover: a second call changes nothing, and the next append continues after the adopted record.
        await _writer.RecoverAsync(_chain, default);
        Assert.Equal(3, (await _writer.AppendAsync(EvidenceRecords.Create(_chain, 3), default)).Sequence);
    }

    [Fact]
    public async Task A_run_of_orphans_longer_than_the_conflict_bound_fails_clearly_and_the_next_append_gets_past_it()
    {
        using var writer = new EvidenceChainWriter(_backend, _backend, _backend, maxConflicts: 3);
        string? previous = null;
        for (var sequence = 1; sequence <= 5; sequence++)
        {
            previous = CanonicalJson.Sha256Hex(_backend.PlantOrphan(_chain, sequence, previous));
        }

        var ex = await Assert.ThrowsAsync<EvidenceChainException>(() => writer.AppendAsync(EvidenceRecords.Create(_chain), default));
        Assert.Contains("taken by other writers", ex.Message, StringComparison.Ordinal);

        var receipt = await writer.AppendAsync(EvidenceRecords.Create(_chain), default);
        Assert.Equal(6, receipt.Sequence);
        Assert.Equal(previous, receipt.PreviousSha256);
        Assert.Equal(6, (await _writer.ListAsync(_chain, default).ToListAsync()).Count);
    }

    [Fact]
    public async Task Cancellation_after_the_object_is_written_still_indexes_it()
    {
        using var cancellation = new CancellationTokenSource();
        _backend.AfterCreate = _ =>
        {
            cancellation.Cancel();
            return true;
        };

        var receipt = await _writer.AppendAsync(EvidenceRecords.Create(_chain), cancellation.Token);

        Assert.Equal(1, receipt.Sequence);
        Assert.Single(await _writer.ListAsync(_chain, default).ToListAsync());
        Assert.Equal(1, (await _backend.GetAsync(_chain, default)).Sequence);
    }

    [Fact]
    public async Task Independent_writers_racing_on_one_chain_resolve_conflicts_without_forking()
    {
        var writers = Enumerable.Range(0, 5).Select(_ => new EvidenceChainWriter(_backend, _backend, _backend)).ToArray();
        try
        {
            var receipts = await Task.WhenAll(Enumerable.Range(0, 50).Select(n =>
                Task.Run(() => writers[n % writers.Length].AppendAsync(EvidenceRecords.Create(_chain, n), default))));

            Assert.Equal(Enumerable.Range(1, 50).Select(n => (long)n), receipts.Select(r => r.Sequence).Order());
            var bySequence = receipts.ToDictionary(r => r.Sequence);
            for (long sequence = 2; sequence <= 50; sequence++)
            {
                Assert.Equal(bySequence[sequence - 1].Sha256, bySequence[sequence].PreviousSha256);
            }
        }
        finally
        {
            foreach (var writer in writers)
            {
                writer.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_head_that_lags_behind_indexed_records_is_skipped_forward()
    {
        await _writer.AppendAsync(EvidenceRecords.Create(_chain, 1), default);
        var head = await _backend.GetAsync(_chain, default);
        var second = await _writer.AppendAsync(EvidenceRecords.Create(_chain, 2), default);
        // Wind the head back, as if the head update of record 2 was lost.
        Assert.True(await _backend.TryReplaceAsync(_chain, await _backend.GetAsync(_chain, default), head.Sequence, head.Sha256!, default));

        var third = await _writer.AppendAsync(EvidenceRecords.Create(_chain, 3), default);

        Assert.Equal(3, third.Sequence);
        Assert.Equal(second.Sha256, third.PreviousSha256);
    }

    public void Dispose() => _writer.Dispose();
}
