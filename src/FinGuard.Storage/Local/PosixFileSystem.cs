using System.Runtime.InteropServices;
using System.Text;

namespace FinGuard.Storage.Local;

/// <summary>
/// The two POSIX calls .NET does not expose: <c>link(2)</c>, the only atomic "create this name unless it exists"
/// for a fully written file (.NET's <c>File.Move(overwrite: false)</c> checks then renames, which races), and
/// <c>fsync(2)</c> on a directory, which makes a new directory entry durable.
/// </summary>
internal static partial class PosixFileSystem
{
    private const int OpenReadOnly = 0;

    /// <summary>Value of EEXIST on Linux and macOS.</summary>
    public const int ErrorExists = 17;

    /// <summary>Hard-links <paramref name="existingPath"/> as <paramref name="newPath"/>; returns 0 or an errno.</summary>
    public static int Link(string existingPath, string newPath) =>
        NativeMethods.link(NullTerminatedUtf8(existingPath), NullTerminatedUtf8(newPath)) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Best-effort fsync of a directory so that entries just created or renamed in it survive a power loss.</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = NativeMethods.open(NullTerminatedUtf8(directory), OpenReadOnly);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = NativeMethods.fsync(fd);
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    // Paths are passed as NUL-terminated UTF-8 byte arrays (blittable, pinned for the call): what the kernel expects.
    private static byte[] NullTerminatedUtf8(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int link(byte[] oldpath, byte[] newpath);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int open(byte[] pathname, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int close(int fd);
    }
}
