using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// Verification catches every kind of tampering an auditor must be able to detect — a single flipped byte anywhere
/// in any record, a deleted, reordered or inserted record, a chain rewritten consistently after a checkpoint — in a
/// bundle, in a folder of records, and in the live store; and an untouched export verifies as intact.
/// </summary>
/// <remarks>
/// The store: <c>octo-bank/payments</c> records 1–2 on 2026-03-02 and 3–4 on 2026-03-03, <c>octo-bank/ledger</c>
/// record 1 on 2026-03-02, and the organisation's checkpoints for both days (<c>octo-bank/_checkpoints</c> 1–2).
/// </remarks>
public sealed class EvidenceTamperingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Payments = "octo-bank/payments";
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);

    private readonly string work = TempDirectory.Create();
    private EvidenceTestStore store = null!;
    private string bundle = null!;

    public static string Record(long sequence, string chain = Payments) => $"{chain}/{sequence:D12}.json";

    public async Task InitializeAsync()
    {
        store = EvidenceTestStore.Create();
        var payments = new PullRequestScenario("octo-bank", "payments", 42).WithCommit(verified: true).WithCommit(verified: false, reason: "unsigned", message: "Fix <b>rounding</b> & fees");
        await store.DecideAsync(payments, Day1.AddHours(9));
        var pending = new PullRequestScenario("octo-bank", "payments", 42).WithCommit(verified: true);
        await store.DecideAsync(pending, Day1.AddHours(15));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "ledger", 7).WithCommit(verified: true).WithTwoIndependentApprovals(), Day1.AddHours(16));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 42).WithCommit(verified: true).WithTwoIndependentApprovals(), Day2.AddHours(10));
        var selfApproved = new PullRequestScenario("octo-bank", "payments", 43).WithCommit(verified: true);
        selfApproved.WithReview(selfApproved.AuthorLogin, 5001);
        await store.DecideAsync(selfApproved, Day2.AddHours(11));
        Assert.True((await store.Checkpoints(Day2.AddMinutes(5)).WritePreviousDayAsync("octo-bank", CancellationToken.None)).Written);
        Assert.True((await store.Checkpoints(Day2.AddDays(1).AddMinutes(5)).WritePreviousDayAsync("octo-bank", CancellationToken.None)).Written);

        bundle = Path.Combine(work, "bundle.zip");
        var export = await EvidenceCli.RunAsync("export", "--repo", Payments, "--out", bundle, $"--Storage:LocalPath={store.Root}");
        Assert.True(export.Exit == 0, export.Stdout + export.Stderr);
    }

    public async Task DisposeAsync()
    {
        await store.DisposeAsync();
        TempDirectory.Delete(work);
    }

    [Fact]
    public async Task An_untouched_bundle_store_folder_evidence_folder_and_live_store_all_verify_as_intact()
    {
        foreach (var args in new[]
                 {
                     new[] { "verify", bundle },
                     ["verify", store.Root],
                     ["verify", store.EvidenceFolder],
                     ["verify", Path.Combine(store.EvidenceFolder, "octo-bank", "payments")],
                     ["verify", "--live", "--repo", Payments, $"--Storage:LocalPath={store.Root}"],
                 })
        {
            var (exit, stdout, stderr) = await EvidenceCli.RunAsync(args);
            output.WriteLine($"$ finguard evidence {string.Join(' ', args)}{Environment.NewLine}{stdout}{stderr}");
            Assert.True(exit == 0, $"{string.Join(' ', args)}: exit {exit}{Environment.NewLine}{stdout}{stderr}");
            Assert.Contains("INTACT", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("BROKEN", stdout, StringComparison.Ordinal);
        }

        var bundled = await EvidenceCli.RunAsync("verify", bundle);
        Assert.Contains("4 record(s) in 1 chain(s), 2 checkpoint record(s)", bundled.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Single_byte_flips_throughout_every_file_of_a_bundle_are_caught_and_name_the_file()
    {
        var contents = await EvidenceBundle.ReadZipAsync(bundle, CancellationToken.None);
        Assert.True(EvidenceBundle.Verify(contents).Intact);
        var files = contents.Files.Keys.Where(p => p != EvidenceBundle.ManifestPath).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(6, files.Count(p => p.StartsWith("records/", StringComparison.Ordinal)));
        Assert.Contains(files, p => p.StartsWith("inputs/", StringComparison.Ordinal));
        var flips = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var path in files)
        {
            // Records: every 7th byte of the envelope (everything but the fact bodies) and every 211th of the fact bodies;
            // inputs and the report, which only the manifest protects: every 997th. Always the first and last byte.
            var original = contents.Files[path];
            foreach (var i in path.StartsWith("records/", StringComparison.Ordinal) ? RecordPositions(original, 7, 211) : Positions(original.Length, 997))
            {
                var tampered = (byte[])original.Clone();
                tampered[i] ^= 0x01;
                var verification = EvidenceBundle.Verify(Replace(contents, path, tampered));
                flips++;
                Assert.False(verification.Intact, $"flipping byte {i} of {path} went unnoticed");
                Assert.Contains(verification.Failures, f => f.StartsWith(path + ":", StringComparison.Ordinal));
            }
        }

        output.WriteLine($"{flips} single-byte flips over {files.Count} files, all caught, in {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Byte_flips_in_every_record_file_of_the_store_are_caught_by_verify_of_the_store_folder()
    {
        var objects = (await EvidenceFolder.ReadAsync(store.Root, CancellationToken.None)).Objects;
        Assert.Equal(7, objects.Count);
        var flips = 0;
        foreach (var target in objects)
        {
            // Files on disk, so fewer: every 61st byte of the envelope, every 2003rd of the fact bodies, the first and the last.
            var path = store.RecordPath(target.Name);
            foreach (var i in RecordPositions(target.Bytes, 61, 2003))
            {
                var tampered = (byte[])target.Bytes.Clone();
                tampered[i] ^= 0x01;
                await File.WriteAllBytesAsync(path, tampered);
                var folder = await EvidenceFolder.ReadAsync(store.Root, CancellationToken.None);
                var verification = EvidenceChainVerifier.Verify(folder.Objects, new EvidenceVerificationScope());
                verification.Merge(folder.Problems);
                flips++;
                Assert.False(verification.Intact, $"flipping byte {i} of {target.Name} went unnoticed");
                Assert.Contains(verification.Failures, f => f.StartsWith(target.Name + ":", StringComparison.Ordinal));
            }

            await File.WriteAllBytesAsync(path, target.Bytes);
        }

        output.WriteLine($"{flips} single-byte flips in the store folder, all caught");
    }

    [Fact]
    public async Task Without_an_index_or_manifest_the_checkpoints_still_catch_flips_throughout_every_decision_record()
    {
        var objects = (await EvidenceFolder.ReadAsync(store.EvidenceFolder, CancellationToken.None)).Objects;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var flips = 0;
        foreach (var target in objects.Where(o => !o.Name.Contains("_checkpoints", StringComparison.Ordinal)))
        {
            foreach (var i in RecordPositions(target.Bytes, 13, 401))
            {
                flips++;
                var tampered = (byte[])target.Bytes.Clone();
                tampered[i] ^= 0x01;
                var verification = EvidenceChainVerifier.Verify(
                    objects.Select(o => o.Name == target.Name ? new StoredEvidence(o.Name, tampered) : o), new EvidenceVerificationScope());
                Assert.False(verification.Intact, $"flipping byte {i} of {target.Name} went unnoticed");
                Assert.Contains(verification.Failures, f => f.Contains(target.Name, StringComparison.Ordinal) || f.Contains($"SHA-256 of record {Sequence(target.Name)}", StringComparison.Ordinal));
            }
        }

        output.WriteLine($"{flips} single-byte flips without index or manifest, all caught, in {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_modified_record_is_named_with_the_break_by_the_cli_and_exits_1()
    {
        var tampered = await RewriteBundleAsync(files => files[$"records/{Record(2)}"] = Modify(files[$"records/{Record(2)}"], r => r["result"]!["verdict"] = "pass"));

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", tampered);
        output.WriteLine(stdout);
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN records/{Record(2)}: SHA-256 ", stdout, StringComparison.Ordinal);
        Assert.Contains($"BROKEN {Record(3)}: previousSha256 does not match the SHA-256 of record 2", stdout, StringComparison.Ordinal);
        Assert.Contains("NOT INTACT", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task A_record_deleted_from_a_bundle_is_reported_missing(int sequence)
    {
        var tampered = await RewriteBundleAsync(files => files.Remove($"records/{Record(sequence)}"));

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", tampered);
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN records/{Record(sequence)}: is missing (the manifest lists it", stdout, StringComparison.Ordinal);
        Assert.Contains($"BROKEN {Record(sequence)}: is missing", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_newest_record_and_rewriting_the_manifest_to_match_is_caught_by_the_checkpoint()
    {
        var tampered = await RewriteBundleAsync(
            files => files.Remove($"records/{Record(4)}"),
            manifest => manifest["chains"]![0]!["last"] = 3);

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", tampered);
        output.WriteLine(stdout);
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN {Record(4)}: is missing: the checkpoint of 2026-03-03", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_middle_record_and_rewriting_the_manifest_leaves_a_gap_in_the_chain()
    {
        var tampered = await RewriteBundleAsync(files => files.Remove($"records/{Record(3)}"), manifest => { });

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", tampered);
        Assert.Equal(1, exit);
        Assert.DoesNotContain("the manifest lists it", stdout, StringComparison.Ordinal);
        Assert.Contains($"BROKEN {Record(3)}: is missing (the chain runs from record 1 to record 4)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reordered_records_in_a_bundle_are_caught()
    {
        var tampered = await RewriteBundleAsync(files =>
            (files[$"records/{Record(2)}"], files[$"records/{Record(3)}"]) = (files[$"records/{Record(3)}"], files[$"records/{Record(2)}"]));

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", tampered);
        output.WriteLine(stdout);
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN {Record(2)}: states it is record 3 of chain '{Payments}', not record 2", stdout, StringComparison.Ordinal);
        Assert.Contains($"BROKEN {Record(3)}: states it is record 2 of chain '{Payments}', not record 3", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_inserted_in_the_middle_of_a_bundle_is_caught()
    {
        // A forged record at 3, the original 3 and 4 renumbered to 4 and 5, manifest rewritten to match.
        var tampered = await RewriteBundleAsync(files =>
        {
            var forged = Modify(files[$"records/{Record(3)}"], r => r["subject"]!["id"] = "octo-bank/payments#99");
            files[$"records/{Record(5)}"] = files[$"records/{Record(4)}"];
            files[$"records/{Record(4)}"] = files[$"records/{Record(3)}"];
            files[$"records/{Record(3)}"] = forged;
        }, manifest => manifest["chains"]![0]!["last"] = 5);

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", tampered);
        output.WriteLine(stdout);
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN {Record(4)}: states it is record 3", stdout, StringComparison.Ordinal);
        Assert.Contains($"BROKEN {Record(5)}: states it is record 4", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_correctly_linked_record_appended_to_a_bundle_is_caught_as_not_in_the_manifest()
    {
        var tampered = await RewriteBundleAsync(files =>
        {
            var last = files[$"records/{Record(4)}"];
            var forged = Modify(last, r =>
            {
                r["sequence"] = 5;
                r["previousSha256"] = CanonicalJson.Sha256Hex(last);
            });
            files[$"records/{Record(5)}"] = forged;
        });

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", tampered);
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN records/{Record(5)}: is not listed in the manifest (inserted)", stdout, StringComparison.Ordinal);
        Assert.Contains($"BROKEN {Record(5)}: is outside the range the manifest declares", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_rewritten_consistently_after_a_checkpoint_is_caught_by_the_checkpoint()
    {
        // Record 2's verdict changed, and records 2-4 re-linked so that every previousSha256 matches again.
        var objects = (await EvidenceFolder.ReadAsync(store.EvidenceFolder, CancellationToken.None)).Objects.ToDictionary(o => o.Name, o => o.Bytes);
        objects[Record(2)] = Modify(objects[Record(2)], r => r["result"]!["verdict"] = "pass");
        for (var sequence = 3; sequence <= 4; sequence++)
        {
            var previous = CanonicalJson.Sha256Hex(objects[Record(sequence - 1)]);
            objects[Record(sequence)] = Modify(objects[Record(sequence)], r => r["previousSha256"] = previous);
        }

        var verification = EvidenceChainVerifier.Verify(objects.Select(o => new StoredEvidence(o.Key, o.Value)), new EvidenceVerificationScope());
        Assert.DoesNotContain(verification.Failures, f => f.Contains("previousSha256", StringComparison.Ordinal));
        Assert.Contains(verification.Failures, f => f.StartsWith($"{Record(2)}: hashes to ", StringComparison.Ordinal) && f.Contains("the checkpoint of 2026-03-02", StringComparison.Ordinal));
        Assert.Contains(verification.Failures, f => f.StartsWith($"{Record(4)}: hashes to ", StringComparison.Ordinal) && f.Contains("the checkpoint of 2026-03-03", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleting_reordering_and_inserting_records_in_the_store_is_caught_by_verify_of_the_folder_and_live()
    {
        var live = new[] { "verify", "--live", "--repo", Payments, $"--Storage:LocalPath={store.Root}" };
        var two = store.RecordPath(Record(2));
        var three = store.RecordPath(Record(3));
        var four = store.RecordPath(Record(4));
        var originalTwo = await File.ReadAllBytesAsync(two);
        var originalThree = await File.ReadAllBytesAsync(three);
        var originalFour = await File.ReadAllBytesAsync(four);

        // Deleted.
        File.Delete(three);
        await AssertBrokenAsync(live, $"BROKEN {Record(3)}: is in the index");
        await AssertBrokenAsync(["verify", store.Root], $"BROKEN {Record(3)}: is missing (the chain runs from record 1 to record 4)");
        await AssertBrokenAsync(["verify", store.EvidenceFolder], $"BROKEN {Record(3)}: is missing");

        // Reordered.
        await File.WriteAllBytesAsync(three, originalTwo);
        await File.WriteAllBytesAsync(two, originalThree);
        await AssertBrokenAsync(live, $"BROKEN {Record(2)}: states it is record 3");
        await AssertBrokenAsync(["verify", store.EvidenceFolder], $"BROKEN {Record(3)}: states it is record 2");

        // Inserted at 3 (forged), with the originals moved up.
        await File.WriteAllBytesAsync(two, originalTwo);
        await File.WriteAllBytesAsync(three, Modify(originalThree, r => r["subject"]!["id"] = "octo-bank/payments#99"));
        await File.WriteAllBytesAsync(four, originalThree);
        await File.WriteAllBytesAsync(store.RecordPath(Record(5)), originalFour);
        await AssertBrokenAsync(live, $"BROKEN {Record(4)}: states it is record 3");
        await AssertBrokenAsync(["verify", store.EvidenceFolder], $"BROKEN {Record(5)}: states it is record 4");
    }

    [Theory]
    [InlineData("verdict")]
    [InlineData("deliveryId")]
    [InlineData("headSha")]
    public async Task An_index_row_edited_to_disagree_with_its_record_is_reported_by_verify_of_the_store_folder_the_live_store_and_a_bundle(string field)
    {
        // The attacker changes one field of record 2's index row (the row FinGuard finds decisions by) and nothing else.
        var row = Path.Combine(store.Root, "index", "octo-bank", "payments", "000000000002.json");
        var node = JsonNode.Parse(await File.ReadAllBytesAsync(row))!.AsObject();
        var original = (string)node[field]!;
        var edited = field == "verdict" ? (original == "pass" ? "fail" : "pass") : field == "headSha" ? new string('e', 40) : Guid.NewGuid().ToString();
        node[field] = edited;
        await File.WriteAllTextAsync(row, node.ToJsonString());
        var expected = $"{Record(2)}: its index row (index/{Record(2)}) does not match the record: {field}: the index says '{edited}', the record says '{original}'";

        await AssertBrokenAsync(["verify", store.Root], expected);
        await AssertBrokenAsync(["verify", "--live", "--repo", Payments, $"--Storage:LocalPath={store.Root}"],
            $"{Record(2)}: its index row (index row) does not match the record: {field}: the index says '{edited}', the record says '{original}'");

        // An export warns, and carries the row as the store holds it, so the bundle's own verify names it too.
        var exported = Path.Combine(work, $"edited-{field}.zip");
        var export = await EvidenceCli.RunAsync("export", "--repo", Payments, "--out", exported, $"--Storage:LocalPath={store.Root}");
        Assert.True(export.Exit == 1, export.Stdout + export.Stderr);
        Assert.Contains($"warning: {Record(2)}: its index row", export.Stderr, StringComparison.Ordinal);
        await AssertBrokenAsync(["verify", exported], expected);
    }

    [Fact]
    public async Task An_untouched_bundle_carries_every_index_row_and_they_match_their_records()
    {
        var contents = await EvidenceBundle.ReadZipAsync(bundle, CancellationToken.None);
        Assert.Equal(
            Enumerable.Range(1, 4).Select(i => $"index/{Record(i)}").Concat([$"index/{Record(1, "octo-bank/_checkpoints")}", $"index/{Record(2, "octo-bank/_checkpoints")}"]).Order(StringComparer.Ordinal),
            contents.Files.Keys.Where(k => k.StartsWith("index/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.True(EvidenceBundle.Verify(contents).Intact);
    }

    [Fact]
    public async Task Verify_live_reports_a_middle_record_deleted_with_its_index_row_instead_of_crashing()
    {
        File.Delete(store.RecordPath(Record(3)));
        File.Delete(Path.Combine(store.Root, "index", "octo-bank", "payments", "000000000003.json"));

        await AssertBrokenAsync(["verify", "--live", "--repo", Payments, $"--Storage:LocalPath={store.Root}"], $"BROKEN {Record(3)}: is missing (the chain runs from record 1 to record 4)");
        var (_, stdout, _) = await EvidenceCli.RunAsync("verify", "--live", "--repo", Payments, $"--Storage:LocalPath={store.Root}");
        Assert.Contains($"BROKEN {Payments}: its index cannot be read", stdout, StringComparison.Ordinal);
        Assert.Contains("NOT INTACT", stdout, StringComparison.Ordinal);
        await AssertBrokenAsync(["verify", store.Root], $"BROKEN {Record(3)}: is missing (the chain runs from record 1 to record 4)");
        var export = await EvidenceCli.RunAsync("export", "--repo", Payments, "--out", Path.Combine(work, "damaged.zip"), $"--Storage:LocalPath={store.Root}");
        Assert.Equal(1, export.Exit);
        Assert.Contains("cannot be read", export.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_time_range_export_holds_that_range_and_its_checkpoints_and_verifies_anchored_to_the_checkpoint_before_it()
    {
        var ranged = Path.Combine(work, "day2.zip");
        var export = await EvidenceCli.RunAsync("export", "--repo", Payments, "--from", "2026-03-03", "--to", "2026-03-03", "--out", ranged, $"--Storage:LocalPath={store.Root}");
        Assert.True(export.Exit == 0, export.Stdout + export.Stderr);
        Assert.Contains("2 record(s) of octo-bank/payments (records 3–4) and 2 checkpoint record(s)", export.Stdout, StringComparison.Ordinal);

        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", ranged);
        output.WriteLine(stdout);
        Assert.True(exit == 0, stdout);
        Assert.Contains("note: octo-bank/payments: starts at record 3", stdout, StringComparison.Ordinal);

        // Record 3 swapped for a forgery that keeps its own link: the checkpoint of the day before names record 2's hash.
        var tampered = await RewriteBundleAsync(ranged, files => files[$"records/{Record(3)}"] = Modify(files[$"records/{Record(3)}"], r => r["previousSha256"] = new string('0', 64)), null);
        var broken = await EvidenceCli.RunAsync("verify", tampered);
        Assert.Equal(1, broken.Exit);
        Assert.Contains($"BROKEN {Record(3)}: previousSha256 does not match the SHA-256 of record 2 stated by the checkpoint of 2026-03-02", broken.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_zip_entry_is_reported_as_unreadable_and_bad_input_exits_2()
    {
        var bytes = await File.ReadAllBytesAsync(bundle);
        var damaged = Path.Combine(work, "damaged.zip");
        using (var zip = ZipFile.OpenRead(bundle))
        {
            var entry = zip.Entries.First(e => e.FullName == $"records/{Record(2)}");
            // Flip a byte inside the entry's compressed data: after its local header (30 bytes + name + extra field).
            var offset = FindLocalHeader(bytes, entry.FullName) + 30 + Encoding.UTF8.GetByteCount(entry.FullName) + 10;
            bytes[offset] ^= 0x01;
        }

        await File.WriteAllBytesAsync(damaged, bytes);
        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", damaged);
        output.WriteLine(stdout);
        Assert.Equal(1, exit);
        Assert.Contains($"records/{Record(2)}", stdout, StringComparison.Ordinal);

        Assert.Equal(2, (await EvidenceCli.RunAsync("verify", Path.Combine(work, "no-such.zip"))).Exit);
        var notZip = Path.Combine(work, "not.zip");
        await File.WriteAllTextAsync(notZip, "not a zip");
        Assert.Equal(2, (await EvidenceCli.RunAsync("verify", notZip)).Exit);
        Assert.Equal(2, (await EvidenceCli.RunAsync("verify")).Exit);
        Assert.Equal(2, (await EvidenceCli.RunAsync("frobnicate")).Exit);
        Assert.Equal(2, (await EvidenceCli.RunAsync("export", "--repo", "not-a-repo", "--out", notZip)).Exit);
    }

    private async Task AssertBrokenAsync(string[] args, string expected)
    {
        var (exit, stdout, stderr) = await EvidenceCli.RunAsync(args);
        output.WriteLine($"$ finguard evidence {string.Join(' ', args)}{Environment.NewLine}{stdout}");
        Assert.True(exit == 1, $"{string.Join(' ', args)}: exit {exit}{Environment.NewLine}{stdout}{stderr}");
        Assert.Contains(expected, stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Positions to flip in a canonical record: every <paramref name="envelopeStep"/>-th byte outside the fact bodies (ids,
    /// hashes, chain, sequence, subject, policy, result — where a flip is hardest to see) and every
    /// <paramref name="factsStep"/>-th byte inside <c>"facts":[…]</c> (GitHub's responses, each also covered by its own hash).
    /// </summary>
    private static IEnumerable<int> RecordPositions(byte[] record, int envelopeStep, int factsStep)
    {
        var text = Encoding.UTF8.GetString(record);
        var start = text.IndexOf("\"facts\":[", StringComparison.Ordinal);
        var end = text.IndexOf("],\"finguardVersion\":", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            return Positions(record.Length, envelopeStep);
        }

        // Byte offsets: the prefix before "facts" is ASCII-or-not, so measure it in UTF-8.
        var factsStart = Encoding.UTF8.GetByteCount(text.AsSpan(0, start));
        var factsEnd = Encoding.UTF8.GetByteCount(text.AsSpan(0, end));
        return Positions(factsStart, envelopeStep)
            .Concat(Positions(factsEnd - factsStart, factsStep).Select(i => factsStart + i))
            .Concat(Positions(record.Length - factsEnd, envelopeStep).Select(i => factsEnd + i))
            .Distinct()
            .Order();
    }

    /// <summary>0, step, 2·step, … and the last position.</summary>
    private static IEnumerable<int> Positions(int length, int step) =>
        Enumerable.Range(0, (length + step - 1) / step).Select(k => k * step).Append(length - 1).Distinct();

    private static long Sequence(string name) => long.Parse(name[^17..^5], System.Globalization.CultureInfo.InvariantCulture);

    private static BundleContents Replace(BundleContents contents, string path, byte[] bytes)
    {
        var files = new Dictionary<string, byte[]>(contents.Files, StringComparer.Ordinal) { [path] = bytes };
        return contents with { Files = files };
    }

    /// <summary>A record with one change, re-serialised canonically (so only the change differs).</summary>
    private static byte[] Modify(byte[] record, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(record)!.AsObject();
        change(node);
        return CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(node.ToJsonString()));
    }

    private Task<string> RewriteBundleAsync(Action<Dictionary<string, byte[]>> change, Action<JsonObject>? manifestChange = null) =>
        RewriteBundleAsync(bundle, change, manifestChange);

    /// <summary>
    /// A copy of a bundle with its files changed. With <paramref name="manifestChange"/>, the manifest is rewritten to
    /// match the changed files (an attacker who edits the manifest too); with null, the manifest is left as exported.
    /// </summary>
    private async Task<string> RewriteBundleAsync(string source, Action<Dictionary<string, byte[]>> change, Action<JsonObject>? manifestChange)
    {
        var contents = await EvidenceBundle.ReadZipAsync(source, CancellationToken.None);
        var files = new Dictionary<string, byte[]>(contents.Files, StringComparer.Ordinal);
        change(files);
        if (manifestChange is not null)
        {
            var manifest = JsonNode.Parse(files[EvidenceBundle.ManifestPath])!.AsObject();
            manifestChange(manifest);
            manifest["files"] = new JsonArray([.. files.Where(f => f.Key != EvidenceBundle.ManifestPath).OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject
            {
                ["path"] = f.Key,
                ["sha256"] = CanonicalJson.Sha256Hex(f.Value),
                ["bytes"] = f.Value.LongLength,
                ["kind"] = f.Key.StartsWith("records/", StringComparison.Ordinal) ? "record" : f.Key.StartsWith("inputs/", StringComparison.Ordinal) ? "input" : "report",
            })]);
            files[EvidenceBundle.ManifestPath] = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        }

        var path = Path.Combine(work, $"tampered-{Guid.NewGuid():N}.zip");
        await EvidenceBundle.WriteZipAsync(files, path, EvidenceCli.ExportTime, CancellationToken.None);
        return path;
    }

    private static int FindLocalHeader(byte[] zip, string name)
    {
        var signature = new byte[] { 0x50, 0x4b, 0x03, 0x04 };
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (var i = 0; i + 30 + nameBytes.Length <= zip.Length; i++)
        {
            if (zip.AsSpan(i, 4).SequenceEqual(signature) && zip.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"No local header for {name}.");
    }
}
