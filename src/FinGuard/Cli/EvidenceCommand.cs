using System.Globalization;
using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.Evidence.TreeHeads;
using FinGuard.GitHub.Snapshots;
using FinGuard.Hosting;
using FinGuard.Storage;
using FinGuard.Storage.Evidence;
using Microsoft.Extensions.Options;

namespace FinGuard.Cli;

/// <summary>
/// <c>finguard evidence export|verify|replay</c>: the auditor's commands (docs/auditor-guide.md). Exit codes: 0 the
/// evidence is intact / the decision matches / the export succeeded; 1 a break or a mismatch was found (each named);
/// 2 bad usage or input that cannot be read; 3 (export) no evidence found.
/// </summary>
public static class EvidenceCommand
{
    /// <summary><c>export</c> found no record to export (none for the repository, or none in the time range).</summary>
    public const int NoEvidenceExitCode = 3;

    public const string Usage = """
        Usage:
          finguard evidence export --repo OWNER/REPO [--from DATE] [--to DATE] --out BUNDLE.zip [storage switches]
              Export a repository's evidence: the records (exact stored bytes), their GitHub inputs as separate files,
              the organisation's daily checkpoints, a manifest with every file's SHA-256, and report.html.
              DATE is 2026-03-14 (whole UTC days; --to is inclusive) or an ISO 8601 instant with its offset
              (2026-03-14T15:00:00Z; --to exclusive). Exit 0 exported, 1 exported with store warnings, 2 bad usage,
              3 no evidence found.
          finguard evidence verify BUNDLE.zip|FOLDER [--tree-key KEY.pem|KEYID] [--tsa-cert TSA.pem]
          finguard evidence verify --live --repo OWNER/REPO [--tree-key ...] [--tsa-cert ...] [storage switches]
              Check every hash, every chain link, every checkpoint, every index row against its record, and every
              signed tree head (signature, time-stamp token, inclusion and consistency proofs).
              --tree-key pins the tree-head key (its public key PEM, or the key id 'tree-key' prints);
              --tsa-cert pins the time-stamping authority (its certificate or a CA certificate, PEM).
              Exit 0 when intact; 1 naming each modified, missing, reordered or inserted record or index row.
          finguard evidence population --org ORG|--repo OWNER/REPO --from DATE --to DATE --out DIR [storage switches]
              The audit population of the period: changes.csv (every change that reached a covered branch, with its
              pull request, approvers, the FinGuard decision that justified it, or its exception), deployments.csv,
              exceptions.csv and report.html (totals per repository and month, exceptions over time, what could not be
              reconciled). Every row names its evidence record (id, chain, sequence, SHA-256); the chains are verified.
              DATE as for export. Exit 0 written and every chain intact, 1 written but a chain does not verify,
              2 bad usage, 3 no evidence found.
          finguard evidence tree-head (--repo OWNER/REPO | --all) [storage switches] [--TreeHeads:KeyPath=FILE]
              Sign the tree head of the chain now (the server does so hourly). Exit 0 signed or already signed,
              1 refused because the chain, its index or an earlier tree head shows damage (each named).
          finguard evidence tree-key [--TreeHeads:KeyPath=FILE]
              Print the tree-head key's id and public key (PEM), creating the key when it does not exist.
          finguard evidence replay RECORD.json [--strict]
              Recompute the decision from the record's own inputs and policy at its evaluation time and compare.
              Exit 0 when the verdict and every control's status match (--strict: the wording too), 1 when not.
        Storage switches are read like 'finguard serve': --Storage:LocalPath=DIR, --Storage:ConnectionString=...,
        --Storage:BlobServiceUri=... --Storage:TableServiceUri=..., or the same settings from the environment
        (Storage__LocalPath) or appsettings.json.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(time);
        try
        {
            switch (args.FirstOrDefault())
            {
                case "export":
                    return await ExportAsync(CommandArguments.Parse(args[1..], ["--repo", "--from", "--to", "--out"], []), stdout, stderr, time);
                case "verify":
                    return await VerifyAsync(CommandArguments.Parse(args[1..], ["--repo", "--tree-key", "--tsa-cert"], ["--live"]), stdout, stderr);
                case "tree-head":
                    return await TreeHeadAsync(CommandArguments.Parse(args[1..], ["--repo"], ["--all"]), stdout, stderr, time);
                case "tree-key":
                    return await TreeKeyAsync(CommandArguments.Parse(args[1..], [], []), stdout);
                case "population":
                    return await PopulationAsync(CommandArguments.Parse(args[1..], ["--org", "--repo", "--from", "--to", "--out"], []), stdout, stderr);
                case "replay":
                    return await ReplayAsync(CommandArguments.Parse(args[1..], [], ["--strict"]), stdout, stderr);
                case "help" or "--help" or "-h":
                    await stdout.WriteLineAsync(Usage);
                    return 0;
                case null:
                    await stderr.WriteLineAsync($"finguard evidence: missing subcommand.{Environment.NewLine}{Usage}");
                    return 2;
                case var other:
                    await stderr.WriteLineAsync($"finguard evidence: unknown subcommand '{other}'.{Environment.NewLine}{Usage}");
                    return 2;
            }
        }
        catch (CommandUsageException ex)
        {
            await stderr.WriteLineAsync($"finguard evidence {args[0]}: {ex.Message}{Environment.NewLine}{Usage}");
            return 2;
        }
        catch (StorageResourceMissingException ex)
        {
            await stderr.WriteLineAsync($"finguard evidence {args[0]}: {ex.Message}");
            return 2;
        }
    }

    private static async Task<int> ExportAsync(CommandArguments arguments, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        arguments.RequireNoPositionals();
        var repo = arguments.Required("--repo");
        var output = arguments.Required("--out");
        var from = ParseBound(arguments.Value("--from"), "--from", endOfDay: false);
        var to = ParseBound(arguments.Value("--to"), "--to", endOfDay: true);
        if (from is not null && to is not null && from >= to)
        {
            throw new CommandUsageException("--from must be before --to.");
        }

        var chain = NormalizeRepository(repo);
        var organisation = chain.Split('/')[0];
        using var cancellation = new CancellationTokenSource();
        var cancellationToken = cancellation.Token;
        await using var storage = OpenStore(arguments.ConfigurationSwitches);
        if (storage.Error is not null)
        {
            await stderr.WriteLineAsync($"finguard evidence export: {storage.Error}");
            return 2;
        }

        var store = storage.Store!;
        IReadOnlyList<StoredEvidenceEntry> entries;
        try
        {
            entries = await EvidenceStoreReader.ListAsync(store, chain, cancellationToken);
        }
        catch (Exception ex) when (ex is EvidenceChainException or InvalidDataException or JsonException)
        {
            await stderr.WriteLineAsync($"finguard evidence export: the evidence index of {chain} cannot be read, so the time range cannot be selected: {ex.Message}");
            await stderr.WriteLineAsync($"Run 'finguard evidence verify --live --repo {chain}' to list every break, and contact FinGuard's operators.");
            return 1;
        }

        if (entries.Count == 0)
        {
            await stderr.WriteLineAsync(
                $"finguard evidence export: no evidence found: there is no evidence for {chain} in {storage.Description}; no bundle was written. "
                + "Check the repository name and the storage settings (Storage:LocalPath, Storage:ConnectionString).");
            return NoEvidenceExitCode;
        }

        var selected = entries.Where(e => (from is null || e.Timestamp >= from) && (to is null || e.Timestamp < to)).ToList();
        StoredChain records = selected.Count == 0
            ? new StoredChain(chain, [], [])
            : await EvidenceStoreReader.ReadAsync(store, chain, cancellationToken, selected.Min(e => e.Sequence), selected.Max(e => e.Sequence));
        var recordRange = selected.Count == 0
            ? new BundleChain(chain, null, null)
            : new BundleChain(chain, selected.Min(e => e.Sequence), selected.Max(e => e.Sequence));

        // The organisation's checkpoints that close a day within the range, and the one closing the day before it,
        // which anchors the first exported record.
        var checkpointChain = CheckpointRecords.ChainOf(organisation);
        var checkpointSequences = new List<long>();
        foreach (var entry in await EvidenceStoreReader.ListAsync(store, checkpointChain, cancellationToken))
        {
            var bytes = await store.ReadAsync(entry.BlobName, cancellationToken);
            if (bytes is null || !TryParse(bytes, out var record) || !CheckpointRecords.TryRead(record!, out var checkpoint, out _))
            {
                continue;
            }

            var closes = CheckpointRecords.EndOf(checkpoint!.Day);
            if ((from is null || closes >= from) && (to is null || closes <= to))
            {
                checkpointSequences.Add(entry.Sequence);
            }
        }

        StoredChain checkpoints = checkpointSequences.Count == 0
            ? new StoredChain(checkpointChain, [], [])
            : await EvidenceStoreReader.ReadAsync(store, checkpointChain, cancellationToken, checkpointSequences.Min(), checkpointSequences.Max());
        var checkpointRange = checkpointSequences.Count == 0
            ? new BundleChain(checkpointChain, null, null)
            : new BundleChain(checkpointChain, checkpointSequences.Min(), checkpointSequences.Max());

        var exportedAt = time.GetUtcNow();
        var header = new BundleManifest
        {
            Repository = chain,
            From = from,
            To = to,
            ExportedAt = exportedAt,
            FinGuardVersion = FinGuardApp.Version,
            Storage = storage.Backend,
            Chains = [recordRange, checkpointRange],
            Files = [],
        };
        // The chain's signed tree heads, with proofs over the whole chain: every record is needed to build the tree.
        var heads = await TreeHeadReader.ReadAsync(store, chain, cancellationToken);
        var whole = heads.Heads.Count == 0 ? records : await EvidenceStoreReader.ReadAsync(store, chain, cancellationToken);
        var treeHeadFiles = TreeHeadProofs.Files(chain, whole.Objects, records.Objects, heads);
        var files = EvidenceBundle.Create(header, records.Objects, checkpoints.Objects, [.. records.Rows ?? [], .. checkpoints.Rows ?? []], treeHeadFiles);
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(output));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            await EvidenceBundle.WriteZipAsync(files, output, exportedAt, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"finguard evidence export: cannot write {output}: {ex.Message}");
            return 2;
        }

        var problems = records.Problems.Concat(checkpoints.Problems).ToList();
        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync($"warning: {problem}");
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Exported {records.Objects.Count} record(s) of {chain}{Range(recordRange)} and {checkpoints.Objects.Count} checkpoint record(s) from {storage.Description} to {output}."));
        await stdout.WriteLineAsync($"manifest.json SHA-256: {CanonicalJson.Sha256Hex(files[EvidenceBundle.ManifestPath])}");
        if (selected.Count == 0)
        {
            await stderr.WriteLineAsync($"finguard evidence export: no evidence found: no record of {chain} falls in the time range; the bundle holds only the checkpoints.");
            return NoEvidenceExitCode;
        }

        return problems.Count == 0 ? 0 : 1;
    }

    private static async Task<int> PopulationAsync(CommandArguments arguments, TextWriter stdout, TextWriter stderr)
    {
        arguments.RequireNoPositionals();
        var org = arguments.Value("--org");
        var repo = arguments.Value("--repo");
        if ((org is null) == (repo is null))
        {
            throw new CommandUsageException("give exactly one of --org ORG and --repo OWNER/REPO.");
        }

        var from = ParseBound(arguments.Required("--from"), "--from", endOfDay: false)!.Value;
        var to = ParseBound(arguments.Required("--to"), "--to", endOfDay: true)!.Value;
        if (from >= to)
        {
            throw new CommandUsageException("--from must be before --to.");
        }

        var output = arguments.Required("--out");
        using var cancellation = new CancellationTokenSource();
        var cancellationToken = cancellation.Token;
        await using var storage = OpenStore(arguments.ConfigurationSwitches);
        if (storage.Error is not null)
        {
            await stderr.WriteLineAsync($"finguard evidence population: {storage.Error}");
            return 2;
        }

        List<string> chains;
        string organisation;
        if (repo is not null)
        {
            var chain = NormalizeRepository(repo);
            chains = [chain];
            organisation = chain.Split('/')[0];
        }
        else
        {
            try
            {
                organisation = CheckpointChainCatalog.NormalizeOrganisation(org!);
            }
            catch (ArgumentException)
            {
                throw new CommandUsageException($"--org '{org}' is not a GitHub organisation name.");
            }

            var catalog = CheckpointChainCatalog.Create(storage.Provider.GetRequiredService<IOptions<StorageOptions>>().Value);
            chains = await catalog.ListChainsAsync(organisation, cancellationToken).Where(c => c != CheckpointRecords.ChainOf(organisation)).ToListAsync(cancellationToken);
        }

        var population = new AuditPopulation { From = from, To = to, Scope = repo is not null ? chains[0] : $"organisation {organisation}" };
        var checkpoints = await EvidenceStoreReader.ReadAsync(storage.Store!, CheckpointRecords.ChainOf(organisation), cancellationToken);
        var records = 0;
        foreach (var chain in chains)
        {
            var stored = await EvidenceStoreReader.ReadAsync(storage.Store!, chain, cancellationToken);
            records += stored.Objects.Count;
            var verification = EvidenceChainVerifier.Verify(stored.Objects.Concat(checkpoints.Objects), new EvidenceVerificationScope { RequiredChains = [chain] });
            verification.Merge(stored.Problems.Concat(checkpoints.Problems));
            population.AddChain(chain, stored.Objects, verification.Failures);
        }

        if (records == 0)
        {
            await stderr.WriteLineAsync($"finguard evidence population: no evidence found for {population.Scope} in {storage.Description}; nothing was written. Check the name and the storage settings.");
            return NoEvidenceExitCode;
        }

        try
        {
            await population.WriteAsync(output, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"finguard evidence population: cannot write {output}: {ex.Message}");
            return 2;
        }

        var broken = population.Verification.Where(v => v.Value.Count > 0).ToList();
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Population of {population.Scope} from {from:yyyy-MM-ddTHH:mm:ssZ} to {to:yyyy-MM-ddTHH:mm:ssZ}: {population.Changes.Count} change(s), {population.Deployments.Count} deployment(s), {population.Exceptions.Count} exception(s) in {population.Verification.Count} repositor(ies); written to {output} (changes.csv, deployments.csv, exceptions.csv, report.html)."));
        foreach (var line in population.Unreconciled)
        {
            await stdout.WriteLineAsync($"not reconciled: {line}");
        }

        foreach (var (chain, failures) in broken)
        {
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"NOT INTACT {chain}: {failures.Count} problem(s); run 'finguard evidence verify --live --repo {chain}'."));
        }

        return broken.Count == 0 ? 0 : 1;
    }

    private static async Task<int> VerifyAsync(CommandArguments arguments, TextWriter stdout, TextWriter stderr)
    {
        EvidenceVerification verification;
        string what;
        using var cancellation = new CancellationTokenSource();
        var cancellationToken = cancellation.Token;
        var trust = await ReadTrustAsync(arguments, cancellationToken);
        if (arguments.Flag("--live"))
        {
            arguments.RequireNoPositionals();
            var chain = NormalizeRepository(arguments.Required("--repo"));
            await using var storage = OpenStore(arguments.ConfigurationSwitches);
            if (storage.Error is not null)
            {
                await stderr.WriteLineAsync($"finguard evidence verify: {storage.Error}");
                return 2;
            }

            var records = await EvidenceStoreReader.ReadAsync(storage.Store!, chain, cancellationToken);
            var checkpoints = await EvidenceStoreReader.ReadAsync(storage.Store!, CheckpointRecords.ChainOf(chain.Split('/')[0]), cancellationToken);
            verification = EvidenceChainVerifier.Verify(records.Objects.Concat(checkpoints.Objects), new EvidenceVerificationScope { RequiredChains = [chain] });
            verification.Merge(records.Problems.Concat(checkpoints.Problems));
            await VerifyLiveTreeHeadsAsync(storage.Store!, chain, records, trust, verification, cancellationToken);
            what = $"{chain} in {storage.Description}";
        }
        else
        {
            if (arguments.Value("--repo") is not null)
            {
                throw new CommandUsageException("--repo goes with --live; a bundle or folder is verified whole.");
            }

            if (arguments.ConfigurationSwitches.Count > 0)
            {
                throw new CommandUsageException($"unexpected argument '{arguments.ConfigurationSwitches[0]}' (storage switches go with --live).");
            }

            var path = arguments.SinglePositional("PATH (a bundle zip or a folder of records)");
            if (File.Exists(path))
            {
                BundleContents contents;
                try
                {
                    contents = await EvidenceBundle.ReadZipAsync(path, cancellationToken);
                }
                catch (InvalidDataException ex)
                {
                    await stderr.WriteLineAsync($"finguard evidence verify: {path} is not a readable zip archive (a bundle made by 'finguard evidence export'): {ex.Message}");
                    return 2;
                }

                verification = EvidenceBundle.Verify(contents, trust);
                what = $"bundle {path}";
            }
            else if (Directory.Exists(path))
            {
                if (File.Exists(Path.Combine(path, EvidenceBundle.ManifestPath)))
                {
                    verification = EvidenceBundle.Verify(await EvidenceBundle.ReadDirectoryAsync(path, cancellationToken), trust);
                    what = $"extracted bundle {path}";
                }
                else
                {
                    var folder = await EvidenceFolder.ReadAsync(path, cancellationToken);
                    if (folder.Objects.Count == 0 && folder.Problems.Count == 0)
                    {
                        await stderr.WriteLineAsync($"finguard evidence verify: {path} holds no evidence records (owner/repo/000000000001.json).");
                        return 2;
                    }

                    verification = EvidenceChainVerifier.Verify(folder.Objects, new EvidenceVerificationScope());
                    verification.Merge(folder.Problems);
                    what = $"folder {folder.Root}";
                }
            }
            else
            {
                await stderr.WriteLineAsync($"finguard evidence verify: {path}: no such file or folder.");
                return 2;
            }
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Verified {what}: {verification.Records} record(s) in {verification.Chains} chain(s), {verification.Checkpoints} checkpoint record(s)."));
        foreach (var note in verification.Notes)
        {
            await stdout.WriteLineAsync($"note: {note}");
        }

        foreach (var (chain, first, last) in verification.Uncovered)
        {
            var range = first == last
                ? string.Create(CultureInfo.InvariantCulture, $"the newest record ({last}) is")
                : string.Create(CultureInfo.InvariantCulture, $"the newest records ({first} to {last}) are");
            await stdout.WriteLineAsync(
                $"note: {chain}: {range} not yet covered by a checkpoint; until one is written, deleting them together with their index rows would go unnoticed here.");
        }

        foreach (var failure in verification.Failures)
        {
            await stdout.WriteLineAsync($"BROKEN {failure}");
        }

        var development = verification.NotProductionRecords;
        var modes = string.Join(", ", verification.Modes.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Value} {m.Key}")));
        await stdout.WriteLineAsync(development == 0
            ? $"Mode: production ({modes})."
            : string.Create(CultureInfo.InvariantCulture,
                $"MODE: DEVELOPMENT: {development} of {verification.Records} record(s) state a mode other than production ({modes}). They were written on storage FinGuard did not verify as write-once: they are NOT WORM evidence, whatever this check says of their hashes."));
        await stdout.WriteLineAsync(verification.Intact
            ? development == 0
                ? "INTACT: every hash, chain link, checkpoint and index row checks out."
                : "INTACT (development-mode records, not WORM evidence): every hash, chain link, checkpoint and index row checks out."
            : string.Create(CultureInfo.InvariantCulture, $"NOT INTACT: {verification.Failures.Count} problem(s)."));
        return verification.Intact ? 0 : 1;
    }

    /// <summary>Every signed tree head of the chain against the records in the store: signature, token, and the root the records hash to at its size.</summary>
    private static async Task VerifyLiveTreeHeadsAsync(
        IEvidenceStore store, string chain, StoredChain records, TreeHeadTrust trust, EvidenceVerification verification, CancellationToken cancellationToken)
    {
        var heads = await TreeHeadReader.ReadAsync(store, chain, cancellationToken);
        verification.Merge(heads.Problems);
        if (heads.Heads.Count == 0)
        {
            verification.Note($"{chain}: no signed tree head yet; the records are checked by their hash chain only.");
            return;
        }

        var tree = ChainTree.Build(records.Objects);
        foreach (var head in heads.Heads)
        {
            if (TreeHeadProofs.CheckHead(head, trust, verification))
            {
                verification.Merge(ChainTree.Check(tree, head));
            }
        }

        var newest = heads.Heads[^1];
        verification.Note(string.Create(CultureInfo.InvariantCulture,
            $"{chain}: {heads.Heads.Count} signed tree head(s), newest {newest.Head.Size} of {tree.Size} record(s) at {newest.Head.Timestamp:O}, key {newest.KeyId}."));
    }

    private static async Task<TreeHeadTrust> ReadTrustAsync(CommandArguments arguments, CancellationToken cancellationToken)
    {
        string? keyId = null;
        if (arguments.Value("--tree-key") is { } key)
        {
            if (key.Length == 64 && key.All(char.IsAsciiHexDigitLower))
            {
                keyId = key;
            }
            else
            {
                try
                {
                    using var ecdsa = System.Security.Cryptography.ECDsa.Create();
                    ecdsa.ImportFromPem(await File.ReadAllTextAsync(key, cancellationToken));
                    keyId = Core.Evidence.Merkle.TreeHead.KeyIdOf(ecdsa);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
                {
                    throw new CommandUsageException($"--tree-key: '{key}' is neither a key id (64 lower-case hex digits) nor a readable EC public key PEM: {ex.Message}");
                }
            }
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2? tsa = null;
        if (arguments.Value("--tsa-cert") is { } certificate)
        {
            try
            {
                tsa = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificate, cancellationToken));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new CommandUsageException($"--tsa-cert: '{certificate}' is not a readable PEM certificate: {ex.Message}");
            }
        }

        return new TreeHeadTrust(keyId, tsa);
    }

    private static async Task<int> TreeHeadAsync(CommandArguments arguments, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        arguments.RequireNoPositionals();
        var all = arguments.Flag("--all");
        var repo = arguments.Value("--repo");
        if (all == (repo is not null))
        {
            throw new CommandUsageException("give either --repo OWNER/REPO or --all.");
        }

        using var cancellation = new CancellationTokenSource();
        var cancellationToken = cancellation.Token;
        var configuration = Configuration(arguments.ConfigurationSwitches);
        await using var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton(time)
            .AddFinGuardStorage(configuration)
            .AddFinGuardEvidence(configuration)
            .BuildServiceProvider();
        try
        {
            // The same mode decision as the server: production only on verified write-once storage.
            await provider.GetRequiredService<EvidenceModeStartupCheck>().StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is EvidenceModeException or OptionsValidationException or InvalidOperationException)
        {
            await stderr.WriteLineAsync($"finguard evidence tree-head: {ex.Message}");
            return 2;
        }

        var writer = provider.GetRequiredService<TreeHeadWriter>();
        var outcomes = all
            ? await writer.WriteAllAsync(cancellationToken)
            : [await writer.WriteAsync(NormalizeRepository(repo!), cancellationToken)];
        foreach (var outcome in outcomes)
        {
            await (outcome.Problems.Count > 0 ? stderr : stdout).WriteLineAsync(TreeHeadWriter.Describe(outcome));
        }

        await stdout.WriteLineAsync($"Tree-head key: {provider.GetRequiredService<ITreeHeadSigner>().KeyId}");
        return outcomes.Any(o => o.Problems.Count > 0) ? 1 : 0;
    }

    private static async Task<int> TreeKeyAsync(CommandArguments arguments, TextWriter stdout)
    {
        arguments.RequireNoPositionals();
        var options = new TreeHeadOptions();
        Configuration(arguments.ConfigurationSwitches).GetSection(TreeHeadOptions.SectionName).Bind(options);
        using var signer = new LocalTreeHeadSigner(Options.Create(options));
        await stdout.WriteLineAsync($"Tree-head key id: {signer.KeyId}");
        if (signer.KeyPath is not null)
        {
            await stdout.WriteLineAsync($"Private key file: {signer.KeyPath}");
        }

        await stdout.WriteLineAsync(System.Security.Cryptography.PemEncoding.WriteString("PUBLIC KEY", signer.PublicKey));
        return 0;
    }

    private static async Task<int> ReplayAsync(CommandArguments arguments, TextWriter stdout, TextWriter stderr)
    {
        var strict = arguments.Flag("--strict");
        if (arguments.ConfigurationSwitches.Count > 0)
        {
            throw new CommandUsageException($"unexpected argument '{arguments.ConfigurationSwitches[0]}'.");
        }

        var path = arguments.SinglePositional("RECORD (an evidence record file)");
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            await stderr.WriteLineAsync($"finguard evidence replay: {path}: cannot be read ({ex.Message}).");
            return 2;
        }

        if (!TryParse(bytes, out var record, out var parseError))
        {
            await stderr.WriteLineAsync($"finguard evidence replay: {path} is not an evidence record: {parseError}");
            return 2;
        }

        EvidenceReplayComparison comparison;
        try
        {
            comparison = EvidenceReplayComparison.Compare(record!);
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync($"finguard evidence replay: {path}: {ex.Message.Split(" (Parameter", 2)[0]}");
            return 2;
        }
        catch (GitHubFactsException ex)
        {
            await stderr.WriteLineAsync($"finguard evidence replay: {path}: the record's inputs cannot be evaluated: {ex.Message}");
            return 2;
        }

        var at = record!.Timestamp.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Replayed {path}: record {record.Sequence} of {record.Chain}, {record.Subject.Id} at {record.Subject.HeadSha}, decided {at}."));
        await stdout.WriteLineAsync($"  verdict: recorded {comparison.Recorded.Verdict}, recomputed {comparison.Recomputed.Verdict}");
        foreach (var control in comparison.Recorded.Controls)
        {
            var other = comparison.Recomputed.Controls.FirstOrDefault(c => c.Id == control.Id);
            await stdout.WriteLineAsync($"  control {control.Id}: recorded {control.Status}, recomputed {other?.Status ?? "(absent)"}");
        }

        foreach (var difference in comparison.DecisionDifferences)
        {
            await stdout.WriteLineAsync($"DIFFERENT {difference}");
        }

        foreach (var difference in comparison.WordingDifferences)
        {
            await stdout.WriteLineAsync($"{(strict ? "DIFFERENT" : "note: wording differs:")} {difference}");
        }

        var matches = strict ? comparison.ExactMatch : comparison.DecisionMatches;
        await stdout.WriteLineAsync(matches
            ? $"MATCH: the decision recomputed from the record's own inputs and policy at {at} is the recorded one."
            : string.Create(CultureInfo.InvariantCulture,
                $"MISMATCH: {comparison.DecisionDifferences.Count + (strict ? comparison.WordingDifferences.Count : 0)} difference(s) between the recorded and the recomputed decision."));
        return matches ? 0 : 1;
    }

    private static bool TryParse(byte[] bytes, out EvidenceRecord? record) => TryParse(bytes, out record, out _);

    private static bool TryParse(byte[] bytes, out EvidenceRecord? record, out string? error)
    {
        try
        {
            record = EvidenceSerializer.FromBytes(bytes);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            record = null;
            error = ex.Message.Split('\n')[0].Trim();
            return false;
        }
    }

    private static string NormalizeRepository(string repository)
    {
        try
        {
            return EvidenceObjectNames.NormalizeChain(repository);
        }
        catch (ArgumentException)
        {
            throw new CommandUsageException($"--repo '{repository}' is not OWNER/REPO.");
        }
    }

    /// <summary>A date is a whole UTC day (the end bound then includes that day); an ISO 8601 instant is taken as is.</summary>
    private static DateTimeOffset? ParseBound(string? text, string option, bool endOfDay)
    {
        if (text is null)
        {
            return null;
        }

        if (IsoDates.TryParseDate(text, out var day))
        {
            return new DateTimeOffset((endOfDay ? day.AddDays(1) : day).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }

        if (IsoDates.TryParseInstant(text, out var instant))
        {
            return instant;
        }

        throw new CommandUsageException(
            $"{option} '{text}' is not an ISO 8601 date or instant. Write the day as 2026-03-14 (year-month-day), or an instant "
            + "with its offset: 2026-03-14T15:00:00Z or 2026-03-14T16:00:00+01:00.");
    }

    private static string Range(BundleChain range) =>
        range.First is null ? "" : string.Create(CultureInfo.InvariantCulture, $" (records {range.First}–{range.Last})");

    /// <summary>
    /// The evidence store configured like <c>finguard serve</c> (appsettings.json, environment, then switches), opened
    /// read-only: an auditor with only Storage Blob Data Reader and Storage Table Data Reader can export and verify, and
    /// nothing is ever created in the account.
    /// </summary>
    private static IConfigurationRoot Configuration(IReadOnlyList<string> switches) => new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine([.. switches])
        .Build();

    private static OpenedStore OpenStore(IReadOnlyList<string> switches)
    {
        var configuration = Configuration(switches);
        var provider = new ServiceCollection().AddLogging().AddFinGuardStorage(configuration, StorageAccess.ReadOnly).BuildServiceProvider();
        try
        {
            var options = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            var store = provider.GetRequiredService<IEvidenceStore>();
            var backend = provider.GetRequiredService<IStorageHealth>().BackendName;
            var description = options.UsesAzure
                ? $"Azure Blob container '{options.EvidenceContainer}'"
                : $"the local folder store '{Path.GetFullPath(options.LocalPath)}'";
            return new OpenedStore(provider, store, backend, description, null);
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return new OpenedStore(provider, null, "", "", $"storage is not configured correctly: {ex.Message}");
        }
    }

    private sealed record OpenedStore(ServiceProvider Provider, IEvidenceStore? Store, string Backend, string Description, string? Error) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Provider.DisposeAsync();
    }
}
