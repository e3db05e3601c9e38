using System.Security.Cryptography;
using FinGuard.Core.Evidence.Merkle;
using Microsoft.Extensions.Options;

namespace FinGuard.Evidence.TreeHeads;

/// <summary>Signs tree heads with a key FinGuard never writes evidence or talks to GitHub with.</summary>
public interface ITreeHeadSigner
{
    /// <summary>The key's id (<see cref="TreeHead.KeyIdOf"/>): what an auditor pins.</summary>
    string KeyId { get; }

    /// <summary>The public key, DER SubjectPublicKeyInfo.</summary>
    byte[] PublicKey { get; }

    /// <summary>The DER ECDSA P-256 / SHA-256 signature over <paramref name="data"/>.</summary>
    Task<byte[]> SignAsync(byte[] data, CancellationToken cancellationToken);
}

/// <summary>
/// The local key (<see cref="TreeHeadOptions.PrivateKeyPem"/> or the file at <see cref="TreeHeadOptions.KeyPath"/>).
/// A missing file is created with a new P-256 key, mode 0600 on Unix, and never overwritten: a key that changes
/// without the auditor being told is what pinning the key id catches.
/// </summary>
public sealed class LocalTreeHeadSigner : ITreeHeadSigner, IDisposable
{
    private readonly ECDsa key;

    public LocalTreeHeadSigner(IOptions<TreeHeadOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        key = Load(options.Value, out var path);
        KeyPath = path;
        PublicKey = key.ExportSubjectPublicKeyInfo();
        KeyId = TreeHead.KeyIdOf(key);
    }

    public string KeyId { get; }

    public byte[] PublicKey { get; }

    /// <summary>The file the key came from, or null when it came from <see cref="TreeHeadOptions.PrivateKeyPem"/>.</summary>
    public string? KeyPath { get; }

    public Task<byte[]> SignAsync(byte[] data, CancellationToken cancellationToken) =>
        Task.FromResult(key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public void Dispose() => key.Dispose();

    private static ECDsa Load(TreeHeadOptions options, out string? path)
    {
        var key = ECDsa.Create();
        if (!string.IsNullOrWhiteSpace(options.PrivateKeyPem))
        {
            path = null;
            Import(key, options.PrivateKeyPem, "TreeHeads:PrivateKeyPem");
            return key;
        }

        path = Path.GetFullPath(string.IsNullOrWhiteSpace(options.KeyPath) ? TreeHeadOptions.DefaultKeyPath : options.KeyPath);
        if (!File.Exists(path))
        {
            Create(path);
        }

        Import(key, File.ReadAllText(path), path);
        return key;
    }

    private static void Import(ECDsa key, string pem, string source)
    {
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new InvalidOperationException($"The tree-head signing key in {source} is not a PEM EC private key: {ex.Message}. Fix or remove it (see docs/operations.md).", ex);
        }

        if (key.KeySize != 256)
        {
            throw new InvalidOperationException($"The tree-head signing key in {source} is not a P-256 key ({key.KeySize} bits); tree heads are signed with ECDSA P-256.");
        }
    }

    private static void Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var file = new StreamWriter(path, options);
            file.Write(fresh.ExportPkcs8PrivateKeyPem());
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first; use theirs.
        }
    }
}
