/* SPDX-License-Identifier: Apache-2.0 */
/* sharedpath-vm-init CMD [ARG]...: PID 1 of the test VM after switch_root.
 *
 * Runs CMD, reaps every process the kernel hands to PID 1 (runc's
 * containers and the sim's are reparented here when their parents exit:
 * a shell as PID 1 would leave them as zombies, which still answer
 * kill(pid, 0) and look alive to runc and the plugin), and when CMD ends
 * kills what is left, syncs the shares and powers the VM off.  PID 1 must
 * never exit: the kernel would panic. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static void power_off(void) {
  sync();
  reboot(RB_POWER_OFF);
  for (;;)
    pause();
}

int main(int argc, char **argv) {
  if (argc < 2 || getpid() != 1) {
    fprintf(stderr, "usage: sharedpath-vm-init CMD [ARG]... (as PID 1)\n");
    if (getpid() == 1)
      power_off();
    return 2;
  }
  pid_t main_pid = fork();
  if (main_pid < 0) {
    fprintf(stderr, "sharedpath-vm-init: fork: %s\n", strerror(errno));
    power_off();
  }
  if (main_pid == 0) {
    setsid();
    execvp(argv[1], argv + 1);
    fprintf(stderr, "sharedpath-vm-init: %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid == main_pid)
      break;
    if (pid < 0 && errno == ECHILD)
      break;
  }
  kill(-1, SIGKILL);
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
    ;
  power_off();
}
