using System.Runtime.InteropServices;

namespace HelmUnstick.Cli.Run;

/// <summary>
/// The few libc calls <c>run</c> needs that .NET does not offer: spawning a child in a process group of its own,
/// signalling that group, and reaping the child with its wait status. fork() is not safe in a .NET process (other
/// threads hold locks the child would inherit), so the child is started with posix_spawn.
/// </summary>
internal static partial class Posix
{
    // Linux signal numbers (the same on glibc and musl).
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public const int Enoent = 2;
    public const int Esrch = 3;
    public const int Eintr = 4;
    public const int Eacces = 13;
    public const int Enoexec = 8;

    private const short SpawnSetPgroup = 0x02;
    private const short SpawnSetSigDef = 0x04;
    private const short SpawnSetSigMask = 0x08;
    private const int XOk = 1;

    // posix_spawnattr_t is 336 bytes and sigset_t 128 on glibc x86-64 and arm64; musl's are smaller.
    private const int SpawnAttrSize = 1024;
    private const int SigSetSize = 256;

    /// <summary>Whether the file at <paramref name="path"/> may be executed by this process.</summary>
    public static bool IsExecutable(string path) => access(path, XOk) == 0;

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="argv"/> and <paramref name="environment"/> in a new process
    /// group led by the child, every signal at its default disposition and none blocked (a .NET process ignores
    /// SIGPIPE, which exec would pass on), stdin, stdout and stderr inherited. Returns 0 and the pid, or an errno.
    /// </summary>
    public static unsafe int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> environment, out int pid)
    {
        var attr = NativeMemory.AllocZeroed(SpawnAttrSize);
        var defaults = NativeMemory.AllocZeroed(SigSetSize);
        var mask = NativeMemory.AllocZeroed(SigSetSize);
        var args = CStrings(argv);
        var env = CStrings(environment);
        try
        {
            var error = posix_spawnattr_init(attr);
            if (error != 0)
            {
                pid = 0;
                return error;
            }

            try
            {
                sigfillset(defaults);
                sigemptyset(mask);
                posix_spawnattr_setsigdefault(attr, defaults);
                posix_spawnattr_setsigmask(attr, mask);
                posix_spawnattr_setpgroup(attr, 0);
                posix_spawnattr_setflags(attr, SpawnSetPgroup | SpawnSetSigDef | SpawnSetSigMask);
                int child;
                error = posix_spawn(&child, path, null, attr, args, env);
                pid = error == 0 ? child : 0;
                return error;
            }
            finally
            {
                posix_spawnattr_destroy(attr);
            }
        }
        finally
        {
            Free(args, argv.Count);
            Free(env, environment.Count);
            NativeMemory.Free(mask);
            NativeMemory.Free(defaults);
            NativeMemory.Free(attr);
        }
    }

    /// <summary>Sends <paramref name="signal"/> to every process of the group <paramref name="pgid"/>; false when none is left.</summary>
    public static bool SignalGroup(int pgid, int signal) => kill(-pgid, signal) == 0;

    /// <summary>Blocks until the child ends; returns its raw wait status.</summary>
    public static unsafe int WaitForExit(int pid)
    {
        while (true)
        {
            int status;
            if (waitpid(pid, &status, 0) == pid)
            {
                return status;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Eintr)
            {
                throw new InvalidOperationException($"waitpid({pid}) failed with errno {errno}");
            }
        }
    }

    /// <summary>The message libc has for an errno, e.g. "Exec format error".</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static unsafe byte** CStrings(IReadOnlyList<string> strings)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(strings.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < strings.Count; i++)
        {
            array[i] = (byte*)Marshal.StringToCoTaskMemUTF8(strings[i]);
        }

        return array;
    }

    private static unsafe void Free(byte** strings, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Marshal.FreeCoTaskMem((nint)strings[i]);
        }

        NativeMemory.Free(strings);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int posix_spawn(int* pid, string path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_init(void* attr);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_setpgroup(void* attr, int pgroup);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

    [LibraryImport("libc")]
    private static unsafe partial int sigfillset(void* sigset);

    [LibraryImport("libc")]
    private static unsafe partial int sigemptyset(void* sigset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string path, int mode);
}
