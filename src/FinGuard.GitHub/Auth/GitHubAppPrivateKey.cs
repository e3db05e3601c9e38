using System.Security.Cryptography;

namespace FinGuard.GitHub.Auth;

/// <summary>Loads the App's RSA private key from <see cref="GitHubAppOptions"/>.</summary>
public static class GitHubAppPrivateKey
{
    /// <summary>
    /// Reads the PEM from <see cref="GitHubAppOptions.PrivateKey"/>, or else from the file at
    /// <see cref="GitHubAppOptions.PrivateKeyPath"/>, and imports it. Errors name the setting, never the key.
    /// </summary>
    /// <exception cref="GitHubAuthException">The key is missing, unreadable or not an RSA private key.</exception>
    public static RSA Load(GitHubAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string pem;
        string setting;
        if (!string.IsNullOrWhiteSpace(options.PrivateKey))
        {
            setting = $"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.PrivateKey)}";
            // Environment variables and secret stores often hold the PEM on one line with literal "\n".
            pem = options.PrivateKey.Contains("\\n", StringComparison.Ordinal) && !options.PrivateKey.Contains('\n', StringComparison.Ordinal)
                ? options.PrivateKey.Replace("\\n", "\n", StringComparison.Ordinal)
                : options.PrivateKey;
        }
        else if (!string.IsNullOrWhiteSpace(options.PrivateKeyPath))
        {
            setting = $"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.PrivateKeyPath)}";
            try
            {
                pem = File.ReadAllText(options.PrivateKeyPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                throw new GitHubAuthException(
                    $"{setting} ('{options.PrivateKeyPath}') could not be read: {ex.GetType().Name}.", ex);
            }
        }
        else if ((options.UnresolvedKeyVaultReferenceMessageFor($"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.PrivateKey)}")
                  ?? options.UnresolvedKeyVaultReferenceMessageFor($"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.PrivateKeyPath)}")) is { } unresolved)
        {
            throw new GitHubAuthException($"No GitHub App private key: {unresolved}.");
        }
        else
        {
            throw new GitHubAuthException(
                $"No GitHub App private key is configured: set {GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.PrivateKey)} or {GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.PrivateKeyPath)}.");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            // The inner exception is left out on purpose: nothing from parsing the key material leaves this method.
            throw new GitHubAuthException(
                $"{setting} does not hold a PEM-encoded RSA private key ({ex.GetType().Name}).");
        }
    }
}
