using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using FinGuard.Core.Evidence;
using FinGuard.Core.Evidence.Merkle;
using FinGuard.Evidence;
using FinGuard.Evidence.TreeHeads;
using FinGuard.Storage;
using FinGuard.Storage.Evidence;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// Signed tree heads over a local store of real decisions (<c>octo-bank/payments</c> records 1–2, a head, records 3–4,
/// a second head): exported bundles carry the heads and proofs and verify; a pinned key, a rewritten record, a cut-off
/// chain, an edited head or proof, and (on Azurite) a deleted index row that hides a later failing decision are each
/// reported by <c>finguard evidence verify</c> and refused by the tree-head writer.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class TreeHeadTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Payments = "octo-bank/payments";
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly string work = TempDirectory.Create();
    private EvidenceTestStore store = null!;
    private LocalTreeHeadSigner signer = null!;

    private string KeyPath => Path.Combine(work, "keys", "tree-head-key.pem");

    private string LocalPath => $"--Storage:LocalPath={store.Root}";

    public async Task InitializeAsync()
    {
        store = EvidenceTestStore.Create();
        signer = new LocalTreeHeadSigner(Options.Create(new TreeHeadOptions { KeyPath = KeyPath }));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 42).WithCommit(verified: true), Day1);
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 42).WithCommit(verified: true).WithTwoIndependentApprovals(), Day1.AddHours(1));
        Assert.True((await Writer(Day1.AddHours(2)).WriteAsync(Payments, CancellationToken.None)).Written);
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 43).WithCommit(verified: false, reason: "unsigned"), Day1.AddHours(3));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 44).WithCommit(verified: true), Day1.AddHours(4));
        Assert.True((await Writer(Day1.AddHours(5)).WriteAsync(Payments, CancellationToken.None)).Written);
    }

    public async Task DisposeAsync()
    {
        await store.DisposeAsync();
        TempDirectory.Delete(work);
    }

    public void Dispose() => signer?.Dispose();

    [Fact]
    public async Task The_key_file_is_created_owner_only_and_a_head_is_not_signed_twice_for_one_size()
    {
        Assert.True(File.Exists(KeyPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        }

        var again = await Writer(Day1.AddHours(6)).WriteAsync(Payments, CancellationToken.None);
        Assert.False(again.Written);
        Assert.Equal(4, again.Size);
        var heads = await TreeHeadReader.ReadAsync(store.Store, Payments, CancellationToken.None);
        Assert.Equal([2L, 4L], heads.Heads.Select(h => h.Head.Size));
        Assert.All(heads.Heads, h => Assert.Equal(signer.KeyId, h.KeyId));
    }

    [Fact]
    public async Task An_export_carries_the_heads_and_a_proof_for_every_record_and_verifies_with_the_pinned_key()
    {
        var bundle = await ExportAsync();
        using (var zip = ZipFile.OpenRead(bundle))
        {
            var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("treeheads/octo-bank/_treeheads/000000000001.json", names);
            Assert.Contains("treeheads/octo-bank/_treeheads/000000000002.json", names);
            Assert.All(Enumerable.Range(1, 4), i => Assert.Contains($"proofs/{Payments}/{i:D12}.json", names));
            Assert.Contains($"proofs/{Payments}/consistency/000000000002-000000000004.json", names);
        }

        var plain = await EvidenceCli.RunAsync("verify", bundle);
        output.WriteLine(plain.Stdout);
        Assert.True(plain.Exit == 0, plain.Stdout);
        Assert.Contains($"{Payments}: 2 signed tree head(s), newest 4 record(s)", plain.Stdout, StringComparison.Ordinal);
        Assert.Contains("not pinned", plain.Stdout, StringComparison.Ordinal);

        var pinned = await EvidenceCli.RunAsync("verify", bundle, "--tree-key", signer.KeyId);
        Assert.True(pinned.Exit == 0, pinned.Stdout);

        var keyFile = Path.Combine(work, "other.pem");
        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        await File.WriteAllTextAsync(keyFile, other.ExportSubjectPublicKeyInfoPem());
        var wrongKey = await EvidenceCli.RunAsync("verify", bundle, "--tree-key", keyFile);
        Assert.Equal(1, wrongKey.Exit);
        Assert.Contains($"BROKEN treeheads/octo-bank/_treeheads/000000000002.json: is signed with key {signer.KeyId}, not the tree-head key {TreeHead.KeyIdOf(other)}", wrongKey.Stdout, StringComparison.Ordinal);

        var live = await EvidenceCli.RunAsync("verify", "--live", "--repo", Payments, LocalPath, "--tree-key", signer.KeyId);
        Assert.True(live.Exit == 0, live.Stdout);
        Assert.Contains($"{Payments}: 2 signed tree head(s), newest 4 of 4 record(s)", live.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cutting_off_the_newest_records_with_their_index_rows_is_reported_once_a_head_covers_them()
    {
        // The attack of the issue: the newest record and its index row deleted, nothing else. The hash chain, the index
        // and the chain head (derived from the local index) all still agree, so without a head nothing noticed it.
        File.Delete(store.RecordPath($"{Payments}/000000000004.json"));
        File.Delete(Path.Combine(store.Root, "index", "octo-bank", "payments", "000000000004.json"));

        var live = await EvidenceCli.RunAsync("verify", "--live", "--repo", Payments, LocalPath);
        output.WriteLine(live.Stdout);
        Assert.Equal(1, live.Exit);
        Assert.Contains("states octo-bank/payments held 4 record(s), but the store holds 3: records 4 to 4 were deleted (history cut off)", live.Stdout, StringComparison.Ordinal);

        var refused = await Writer(Day1.AddHours(6)).WriteAsync(Payments, CancellationToken.None);
        Assert.False(refused.Written);
        Assert.Contains(refused.Problems, p => p.Contains("history cut off", StringComparison.Ordinal));

        var bundle = await ExportAsync();
        var verified = await EvidenceCli.RunAsync("verify", bundle);
        Assert.Equal(1, verified.Exit);
        Assert.Contains("the bundle ends at record 3, but the tree head signed at", verified.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_rewritten_after_its_head_fails_the_live_root_and_its_inclusion_proof()
    {
        var bundle = await ExportAsync();
        var path = store.RecordPath($"{Payments}/000000000003.json");
        var text = await File.ReadAllTextAsync(path);
        await File.WriteAllTextAsync(path, text.Replace("\"verdict\":\"fail\"", "\"verdict\":\"pass\"", StringComparison.Ordinal));

        var live = await EvidenceCli.RunAsync("verify", "--live", "--repo", Payments, LocalPath);
        Assert.Equal(1, live.Exit);
        Assert.Contains("records 1 to 4 of octo-bank/payments hash to root", live.Stdout, StringComparison.Ordinal);
        Assert.Contains("a record it covers was rewritten, removed or reordered", live.Stdout, StringComparison.Ordinal);

        // In the bundle: the record edited and the manifest's hash of it fixed, so only the proof can tell.
        var edited = await RewriteBundleAsync(bundle, $"records/{Payments}/000000000003.json",
            bytes => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"verdict\":\"fail\"", "\"verdict\":\"pass\"", StringComparison.Ordinal)));
        var verified = await EvidenceCli.RunAsync("verify", edited);
        Assert.Equal(1, verified.Exit);
        Assert.Contains($"BROKEN records/{Payments}/000000000003.json: is not leaf 2 of the tree head of 4 record(s)", verified.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("size")]
    [InlineData("rootSha256")]
    [InlineData("proof")]
    public async Task An_edited_head_or_proof_in_a_bundle_is_reported(string what)
    {
        var bundle = await ExportAsync();
        var edited = what == "proof"
            ? await RewriteBundleAsync(bundle, $"proofs/{Payments}/000000000001.json", bytes =>
            {
                var proof = JsonNode.Parse(bytes)!;
                var first = (string)proof["path"]![0]!;
                proof["path"]![0] = (first[0] == '0' ? "1" : "0") + first[1..];
                return Encoding.UTF8.GetBytes(proof.ToJsonString());
            })
            : await RewriteBundleAsync(bundle, "treeheads/octo-bank/_treeheads/000000000002.json", bytes =>
            {
                var record = JsonNode.Parse(bytes)!;
                var body = record["facts"]![0]!["body"]!;
                body[what] = what == "size" ? 3 : new string('a', 64);
                return Encoding.UTF8.GetBytes(record.ToJsonString());
            });
        var verified = await EvidenceCli.RunAsync("verify", edited);
        output.WriteLine(verified.Stdout);
        Assert.Equal(1, verified.Exit);
        Assert.Contains(what == "proof"
            ? $"BROKEN records/{Payments}/000000000001.json: is not leaf 0 of the tree head of 4 record(s)"
            : "BROKEN treeheads/octo-bank/_treeheads/000000000002.json: its signature does not verify", verified.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_index_row_hides_a_later_failing_decision_and_verify_and_the_tree_head_writer_report_it()
    {
        // On Azure's tables (the local index rebuilds a missing row from its record): pull request 42 passes, then a
        // review is withdrawn and the same head SHA fails, then another decision follows. The attacker deletes the
        // failing decision's two index rows, so a lookup by the SHA finds only the passing decision.
        var repo = $"hide-{Guid.NewGuid():N}"[..16];
        var chain = $"octo-bank/{repo}";
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:ConnectionString"] = azurite.ConnectionString })
            .Build();
        await using var provider = new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider();
        var azure = provider.GetRequiredService<IEvidenceStore>();
        var pr = new PullRequestScenario("octo-bank", repo, 42).WithCommit(verified: true).WithTwoIndependentApprovals();
        await azure.AppendAsync(EvidenceTestStore.Decide(pr, Day1), CancellationToken.None);
        var writer = new TreeHeadWriter(azure, CheckpointChainCatalog.Create(provider.GetRequiredService<IOptions<StorageOptions>>().Value),
            signer, new EvidenceModeState(), new FakeTimeProvider(Day1.AddMinutes(30)));
        Assert.True((await writer.WriteAsync(chain, CancellationToken.None)).Written);
        pr.Reviews.Clear();
        var failing = await azure.AppendAsync(EvidenceTestStore.Decide(pr, Day1.AddHours(1)), CancellationToken.None);
        await azure.AppendAsync(EvidenceTestStore.Decide(new PullRequestScenario("octo-bank", repo, 43).WithCommit(verified: true), Day1.AddHours(2)), CancellationToken.None);
        var found = await azure.FindByShaAsync(chain, pr.HeadSha, CancellationToken.None);
        Assert.Equal([failing.Sequence, 1L], found.Select(r => r.Sequence));
        Assert.Equal("fail", found[0].Verdict);

        var tables = new TableServiceClient(azurite.ConnectionString);
        var partition = chain.Replace('/', '~');
        var sequence = failing.Sequence.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
        await tables.GetTableClient("EvidenceIndex").DeleteEntityAsync(partition, sequence);
        await tables.GetTableClient("EvidenceBySha").DeleteEntityAsync(partition, $"{pr.HeadSha}_{sequence}");
        Assert.Equal([1L], (await azure.FindByShaAsync(chain, pr.HeadSha, CancellationToken.None)).Select(r => r.Sequence));

        var connection = $"--Storage:ConnectionString={azurite.ConnectionString}";
        var live = await EvidenceCli.RunAsync("verify", "--live", "--repo", chain, connection);
        output.WriteLine(live.Stdout);
        Assert.Equal(1, live.Exit);
        Assert.Contains($"BROKEN {chain}/{sequence}.json: has no index row, though later records do: FinGuard's lookups cannot find this decision (its index row was deleted)", live.Stdout, StringComparison.Ordinal);

        var refused = await writer.WriteAsync(chain, CancellationToken.None);
        Assert.False(refused.Written);
        Assert.Contains(refused.Problems, p => p.Contains("has no index row", StringComparison.Ordinal));

        var bundle = Path.Combine(work, "hidden.zip");
        var export = await EvidenceCli.RunAsync("export", "--repo", chain, "--out", bundle, connection);
        Assert.True(File.Exists(bundle), export.Stdout + export.Stderr);
        var verified = await EvidenceCli.RunAsync("verify", bundle);
        Assert.Equal(1, verified.Exit);
        Assert.Contains($"BROKEN records/{chain}/{sequence}.json: has no index row, though later records of its chain do", verified.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heads_time_stamped_by_a_real_openssl_TSA_verify_against_its_CA_and_a_swapped_token_is_reported()
    {
        await using var tsa = await OpenSslTimestampAuthority.StartAsync();
        using var http = new HttpClient();
        var stamped = new TreeHeadWriter(store.Store, store.Catalog, signer, new EvidenceModeState(), new FakeTimeProvider(Day1.AddHours(7)),
            new TreeHeadTimestamper(http, tsa.Url));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 45).WithCommit(verified: true), Day1.AddHours(6));
        Assert.True((await stamped.WriteAsync(Payments, CancellationToken.None)).Written);
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 46).WithCommit(verified: true), Day1.AddHours(7));
        Assert.True((await stamped.WriteAsync(Payments, CancellationToken.None)).Written);
        Assert.Equal(2, tsa.Requests);

        var bundle = await ExportAsync();
        var unpinned = await EvidenceCli.RunAsync("verify", bundle);
        output.WriteLine(unpinned.Stdout);
        Assert.True(unpinned.Exit == 0, unpinned.Stdout);
        Assert.Contains("treeheads/octo-bank/_treeheads/000000000004.json: time-stamped at ", unpinned.Stdout, StringComparison.Ordinal);
        Assert.Contains("by CN=FinGuard Test TSA (authority not pinned: pass --tsa-cert).", unpinned.Stdout, StringComparison.Ordinal);

        // The auditor guide's recipe with plain openssl and jq, run as written.
        var unpacked = Path.Combine(work, "unpacked");
        ZipFile.ExtractToDirectory(bundle, unpacked);
        var script = $$"""
            set -e
            cd '{{unpacked}}'
            H=treeheads/octo-bank/_treeheads/000000000004.json
            jq -r '.facts[0].body | "finguard.treehead/v1\nchain \(.chain)\nsize \(.size)\nroot \(.rootSha256)\ntime \(.timestamp)"' "$H" > head.txt
            jq -r '.facts[0].body.publicKey' "$H" | base64 -d > key.der
            sha256sum key.der
            openssl pkey -pubin -inform DER -in key.der -out key.pem
            jq -r '.facts[0].body.signature' "$H" | base64 -d > head.sig
            openssl dgst -sha256 -verify key.pem -signature head.sig head.txt
            jq -r '.facts[0].body.timestampToken' "$H" | base64 -d > head.tst
            openssl ts -verify -data head.txt -in head.tst -token_in -CAfile '{{tsa.CaCertificatePath}}'
            (printf '\000'; cat records/octo-bank/payments/000000000003.json) | sha256sum
            """;
        var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var recipe = await shell.StandardOutput.ReadToEndAsync() + await shell.StandardError.ReadToEndAsync();
        await shell.WaitForExitAsync();
        output.WriteLine(recipe);
        Assert.True(shell.ExitCode == 0, recipe);
        Assert.Contains($"{signer.KeyId}  key.der", recipe, StringComparison.Ordinal);
        Assert.Contains("Verified OK", recipe, StringComparison.Ordinal);
        Assert.Contains("Verification: OK", recipe, StringComparison.Ordinal);
        var leaf = (string)JsonNode.Parse(await File.ReadAllBytesAsync(Path.Combine(unpacked, "proofs", "octo-bank", "payments", "000000000003.json")))!["leafSha256"]!;
        Assert.Contains($"{leaf}  -", recipe, StringComparison.Ordinal);

        // Pinned to the TSA's CA: the stamped heads verify; the two signed before the TSA was configured have no token,
        // which an auditor who asks for one is told.
        var verified = await EvidenceCli.RunAsync("verify", bundle, "--tsa-cert", tsa.CaCertificatePath);
        output.WriteLine(verified.Stdout);
        Assert.Equal(1, verified.Exit);
        Assert.Equal(
            ["BROKEN treeheads/octo-bank/_treeheads/000000000001.json: has no RFC 3161 time-stamp token, but you asked for one (--tsa-cert)",
             "BROKEN treeheads/octo-bank/_treeheads/000000000002.json: has no RFC 3161 time-stamp token, but you asked for one (--tsa-cert)"],
            verified.Stdout.Split('\n').Where(l => l.StartsWith("BROKEN", StringComparison.Ordinal)).Select(l => l.TrimEnd('\r')));
        Assert.Contains("treeheads/octo-bank/_treeheads/000000000004.json: time-stamped at ", verified.Stdout, StringComparison.Ordinal);
        Assert.Contains("by CN=FinGuard Test TSA.", verified.Stdout, StringComparison.Ordinal);

        // Another CA does not vouch for this TSA.
        var otherCa = Path.Combine(work, "other-ca.pem");
        using (var key = System.Security.Cryptography.ECDsa.Create())
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Someone Else", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var other = request.CreateSelfSigned(Day1.AddYears(-1), Day1.AddYears(5));
            await File.WriteAllTextAsync(otherCa, other.ExportCertificatePem());
        }

        var untrusted = await EvidenceCli.RunAsync("verify", bundle, "--tsa-cert", otherCa);
        Assert.Equal(1, untrusted.Exit);
        Assert.Contains("BROKEN treeheads/octo-bank/_treeheads/000000000004.json: its RFC 3161 time-stamp token is signed by 'CN=FinGuard Test TSA', which is not the trusted time-stamping authority 'CN=Someone Else'", untrusted.Stdout, StringComparison.Ordinal);

        // The token of one head moved onto the other (the signature does not cover the token; the token's imprint does).
        var files = (await EvidenceBundle.ReadZipAsync(bundle, CancellationToken.None)).Files;
        var token3 = (string)JsonNode.Parse(files["treeheads/octo-bank/_treeheads/000000000003.json"])!["facts"]![0]!["body"]!["timestampToken"]!;
        var swapped = await RewriteBundleAsync(bundle, "treeheads/octo-bank/_treeheads/000000000004.json", bytes =>
        {
            var record = JsonNode.Parse(bytes)!;
            record["facts"]![0]!["body"]!["timestampToken"] = token3;
            return Encoding.UTF8.GetBytes(record.ToJsonString());
        });
        var moved = await EvidenceCli.RunAsync("verify", swapped);
        Assert.Equal(1, moved.Exit);
        Assert.Contains("BROKEN treeheads/octo-bank/_treeheads/000000000004.json: its RFC 3161 time-stamp token does not verify for this tree head", moved.Stdout, StringComparison.Ordinal);
    }

    private TreeHeadWriter Writer(DateTimeOffset now) =>
        new(store.Store, store.Catalog, signer, new EvidenceModeState(), new FakeTimeProvider(now));

    private async Task<string> ExportAsync()
    {
        var bundle = Path.Combine(work, $"{Guid.NewGuid():N}.zip");
        var export = await EvidenceCli.RunAsync("export", "--repo", Payments, "--out", bundle, LocalPath);
        Assert.True(File.Exists(bundle), export.Stdout + export.Stderr);
        return bundle;
    }

    /// <summary>Rewrites one file of a bundle and fixes the manifest's hash and size of it, as an attacker would.</summary>
    private async Task<string> RewriteBundleAsync(string bundle, string path, Func<byte[], byte[]> edit)
    {
        var files = (await EvidenceBundle.ReadZipAsync(bundle, CancellationToken.None)).Files.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        files[path] = edit(files[path]);
        var manifest = JsonNode.Parse(files[EvidenceBundle.ManifestPath])!;
        foreach (var file in manifest["files"]!.AsArray())
        {
            if ((string?)file!["path"] == path)
            {
                file["sha256"] = CanonicalJson.Sha256Hex(files[path]);
                file["bytes"] = files[path].LongLength;
            }
        }

        files[EvidenceBundle.ManifestPath] = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var edited = Path.Combine(work, $"{Guid.NewGuid():N}.zip");
        await EvidenceBundle.WriteZipAsync(files, edited, Day1, CancellationToken.None);
        return edited;
    }
}
