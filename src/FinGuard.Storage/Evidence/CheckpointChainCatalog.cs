using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FinGuard.Storage.Azure;

namespace FinGuard.Storage.Evidence;

/// <summary>
/// Which organisations and chains the evidence store holds, for the daily checkpoint. Read from the evidence objects
/// themselves (blob name prefixes, or the local evidence folder), not from the chain-head table, so that a chain whose
/// only record was left unindexed by a crash is still covered.
/// </summary>
public interface ICheckpointChainCatalog
{
    /// <summary>Organisations (lower-cased owners) with at least one evidence object, in ordinal order.</summary>
    IAsyncEnumerable<string> ListOrganisationsAsync(CancellationToken cancellationToken);

    /// <summary>Chains (<c>owner/repo</c>, lower-cased) of <paramref name="organisation"/>, in ordinal order.</summary>
    IAsyncEnumerable<string> ListChainsAsync(string organisation, CancellationToken cancellationToken);
}

/// <summary>Builds the <see cref="ICheckpointChainCatalog"/> of the configured backend.</summary>
public static class CheckpointChainCatalog
{
    public static ICheckpointChainCatalog Create(StorageOptions options, BlobClientOptions? blobOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.UsesAzure)
        {
            var clients = AzureStorageClients.Create(options, blobOptions: blobOptions);
            return new AzureCatalog(clients.Blobs.GetBlobContainerClient(options.EvidenceContainer));
        }

        // The same layout as StorageBackend.CreateLocal: {LocalPath}/evidence/{owner}/{repo}/{sequence:D12}.json.
        return new LocalCatalog(Path.Combine(Path.GetFullPath(options.LocalPath), "evidence"));
    }

    /// <summary>Lower-cases and checks an organisation (owner) name the way chain names are checked.</summary>
    public static string NormalizeOrganisation(string organisation)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        var normalized = organisation.ToLowerInvariant();
        if (!EvidenceObjectNames.IsValidChain(normalized + "/x"))
        {
            throw new ArgumentException("An organisation is a GitHub owner name: letters, digits, '.', '_' and '-'.", nameof(organisation));
        }

        return normalized;
    }

    private sealed class LocalCatalog(string root) : ICheckpointChainCatalog
    {
        public IAsyncEnumerable<string> ListOrganisationsAsync(CancellationToken cancellationToken) =>
            Names(root, name => EvidenceObjectNames.IsValidChain(name + "/x")).ToAsyncEnumerable();

        public IAsyncEnumerable<string> ListChainsAsync(string organisation, CancellationToken cancellationToken)
        {
            var org = NormalizeOrganisation(organisation);
            return Names(Path.Combine(root, org), repo => EvidenceObjectNames.IsValidChain($"{org}/{repo}"))
                .Select(repo => $"{org}/{repo}")
                .ToAsyncEnumerable();
        }

        private static List<string> Names(string directory, Func<string, bool> valid) =>
            !Directory.Exists(directory)
                ? []
                : Directory.EnumerateDirectories(directory)
                    .Select(Path.GetFileName)
                    .OfType<string>()
                    .Where(valid)
                    .Order(StringComparer.Ordinal)
                    .ToList();
    }

    private sealed class AzureCatalog(BlobContainerClient container) : ICheckpointChainCatalog
    {
        public async IAsyncEnumerable<string> ListOrganisationsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var prefix in await PrefixesAsync(prefix: null, cancellationToken))
            {
                var org = prefix.TrimEnd('/');
                if (EvidenceObjectNames.IsValidChain(org + "/x"))
                {
                    yield return org;
                }
            }
        }

        public async IAsyncEnumerable<string> ListChainsAsync(string organisation, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var org = NormalizeOrganisation(organisation);
            foreach (var prefix in await PrefixesAsync(org + "/", cancellationToken))
            {
                var chain = prefix.TrimEnd('/');
                if (EvidenceObjectNames.IsValidChain(chain))
                {
                    yield return chain;
                }
            }
        }

        private async Task<List<string>> PrefixesAsync(string? prefix, CancellationToken cancellationToken)
        {
            var prefixes = new List<string>();
            try
            {
                await foreach (var item in container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken))
                {
                    if (item.IsPrefix)
                    {
                        prefixes.Add(item.Prefix);
                    }
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // No container yet: no evidence.
            }

            prefixes.Sort(StringComparer.Ordinal);
            return prefixes;
        }
    }
}
