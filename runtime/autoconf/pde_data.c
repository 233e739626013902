/* pde_data() (5.17+), formerly PDE_DATA() */
#include <linux/proc_fs.h>

void *stp_probe_pde(const struct inode *inode);
void *stp_probe_pde(const struct inode *inode)
{
	return pde_data(inode);
}
