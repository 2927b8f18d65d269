// SPDX-License-Identifier: GPL-2.0

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>

__rust_helper struct page *rust_helper_alloc_pages(gfp_t gfp_mask,
						   unsigned int order)
{
	return alloc_pages(gfp_mask, order);
}

__rust_helper void *rust_helper_kmap_local_page(struct page *page)
{
	return kmap_local_page(page);
}

__rust_helper void rust_helper_kunmap_local(const void *addr)
{
	kunmap_local(addr);
}

#ifndef NODE_NOT_IN_PAGE_FLAGS
__rust_helper int rust_helper_page_to_nid(const struct page *page)
{
	return page_to_nid(page);
}
#endif

__rust_helper void rust_helper_memcpy_from_page(char *to, struct page *page,
						size_t offset, size_t len)
{
	memcpy_from_page(to, page, offset, len);
}

__rust_helper void rust_helper_memcpy_to_page(struct page *page, size_t offset,
					      const char *from, size_t len)
{
	memcpy_to_page(page, offset, from, len);
}
