package db

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockName is the lock file in a data directory. Every process that opens
// the database (servers and the CLI) holds a shared lock on it while the
// database is open, so that servers and commands may share the directory as
// before; a restore takes it exclusively, and writes its pid into it.
const LockName = "budgetpoint.lock"

// ErrDirInUse says that a data directory is locked by another process: a
// server or a command while a restore wants it, or a restore while anything
// else wants it.
var ErrDirInUse = errors.New("data directory in use")

// inUse is the error of a lock not taken: it is ErrDirInUse, with a message.
type inUse struct{ msg string }

func (e inUse) Error() string        { return e.msg }
func (e inUse) Is(target error) bool { return target == ErrDirInUse }

// lockDir takes dir's lock file, shared or exclusive, without waiting. The
// lock lasts until the returned file is closed (or the process ends).
func lockDir(dir string, exclusive bool) (*os.File, error) {
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, FileMode)
	if err != nil {
		return nil, fmt.Errorf("无法打开锁文件 / cannot open the lock file %s: %w", path, err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		holder := lockHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, busyError(dir, exclusive, holder)
		}
		return nil, fmt.Errorf("无法锁定 / cannot lock %s: %w", path, err)
	}
	if exclusive {
		// Only the exclusive holder writes: shared holders are many.
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
	}
	return f, nil
}

// unlockDir releases a lock taken by lockDir; the exclusive holder first
// clears its pid from the file.
func unlockDir(f *os.File, exclusive bool) {
	if f == nil {
		return
	}
	if exclusive {
		f.Truncate(0)
	}
	f.Close()
}

// lockHolder is the pid an exclusive holder wrote, or "".
func lockHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid := strings.TrimSpace(string(b[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return pid
}

func busyError(dir string, exclusive bool, holder string) error {
	if exclusive {
		return inUse{fmt.Sprintf("数据目录 %s 正被服务器或命令使用，请先停止它 / the data directory %s is in use by a server or a command: stop it first", dir, dir)}
	}
	if holder != "" {
		return inUse{fmt.Sprintf("数据目录 %s 正在恢复（进程 %s）/ the data directory %s is being restored (pid %s)", dir, holder, dir, holder)}
	}
	return inUse{fmt.Sprintf("数据目录 %s 正在恢复 / the data directory %s is being restored", dir, dir)}
}

// heldDir reports whether a server or command holds the lock of the data
// directory dir, without making a lock file where there is none.
func heldDir(dir string) bool {
	f, err := os.Open(filepath.Join(dir, LockName))
	if err != nil {
		return false
	}
	defer f.Close() // and with it the lock, if it was taken here
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	return errors.Is(err, syscall.EWOULDBLOCK)
}
