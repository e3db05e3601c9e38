namespace FinGuard.Evidence.TreeHeads;

/// <summary>
/// <c>TreeHeads</c>: the signed tree heads over every evidence chain (docs/evidence.md, docs/operations.md).
/// </summary>
public sealed class TreeHeadOptions
{
    public const string SectionName = "TreeHeads";

    /// <summary>
    /// The tree-head signing key (ECDSA P-256, PKCS#8 PEM). Default: <c>finguard/tree-head-key.pem</c> under the user's
    /// application-data folder (<c>~/.config</c> on Linux). Created, readable by its owner only, when it does not exist.
    /// It is never the GitHub App's key and never written into the evidence store.
    /// </summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// The key itself as PEM, instead of <see cref="KeyPath"/>: for hosts without a private file system (Azure Functions,
    /// where it is an app setting referencing a Key Vault secret). Takes precedence over <see cref="KeyPath"/>.
    /// </summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>
    /// An RFC 3161 time-stamping authority's URL (<c>application/timestamp-query</c> over HTTP POST). When set, every
    /// tree head is also time-stamped by it, an independent witness of when the head existed.
    /// </summary>
    public Uri? TimestampAuthorityUrl { get; set; }

    /// <summary>The default key path (see <see cref="KeyPath"/>).</summary>
    public static string DefaultKeyPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "finguard", "tree-head-key.pem");
}
