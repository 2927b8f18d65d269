// SPDX-License-Identifier: GPL-2.0

#include <linux/atomic.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/swap.h>
#include <linux/vmstat.h>

__rust_helper void rust_helper_folio_get(struct folio *folio)
{
	folio_get(folio);
}

__rust_helper void rust_helper_folio_put(struct folio *folio)
{
	folio_put(folio);
}

__rust_helper struct folio *rust_helper_page_folio(struct page *page)
{
	return page_folio(page);
}

__rust_helper struct page *rust_helper_folio_page(struct folio *folio,
						  unsigned long n)
{
	return folio_page(folio, n);
}

__rust_helper unsigned long rust_helper_folio_page_idx(const struct folio *folio,
						       const struct page *page)
{
	return folio_page_idx(folio, page);
}

__rust_helper bool rust_helper_is_zero_page(const struct page *page)
{
	return is_zero_page(page);
}

__rust_helper bool rust_helper_is_zero_folio(const struct folio *folio)
{
	return is_zero_folio(folio);
}

__rust_helper bool rust_helper_PageAnon(const struct page *page)
{
	return PageAnon(page);
}

__rust_helper bool rust_helper_PageAnonExclusive(const struct page *page)
{
	return PageAnonExclusive(page);
}

__rust_helper bool rust_helper_folio_has_pincount(const struct folio *folio)
{
	return folio_has_pincount(folio);
}

__rust_helper bool rust_helper_folio_maybe_dma_pinned(struct folio *folio)
{
	return folio_maybe_dma_pinned(folio);
}

/* atomic_read(&folio->_pincount): a field, which has no C accessor. */
__rust_helper int rust_helper_folio_pincount_read(struct folio *folio)
{
	return atomic_read(&folio->_pincount);
}

/* atomic_add(nr, &folio->_pincount): a field, which has no C accessor. */
__rust_helper void rust_helper_folio_pincount_add(struct folio *folio, int nr)
{
	atomic_add(nr, &folio->_pincount);
}

__rust_helper bool rust_helper_folio_test_large(const struct folio *folio)
{
	return folio_test_large(folio);
}

__rust_helper bool rust_helper_folio_test_dirty(const struct folio *folio)
{
	return folio_test_dirty(folio);
}

__rust_helper bool rust_helper_folio_test_anon(const struct folio *folio)
{
	return folio_test_anon(folio);
}

__rust_helper bool rust_helper_folio_test_hugetlb(const struct folio *folio)
{
	return folio_test_hugetlb(folio);
}

__rust_helper bool rust_helper_folio_test_slab(const struct folio *folio)
{
	return folio_test_slab(folio);
}

__rust_helper void rust_helper_folio_set_referenced(struct folio *folio)
{
	folio_set_referenced(folio);
}

__rust_helper long rust_helper_folio_nr_pages(const struct folio *folio)
{
	return folio_nr_pages(folio);
}

__rust_helper unsigned long rust_helper_folio_large_nr_pages(const struct folio *folio)
{
	return folio_large_nr_pages(folio);
}

__rust_helper int rust_helper_folio_ref_count(const struct folio *folio)
{
	return folio_ref_count(folio);
}

__rust_helper void rust_helper_folio_ref_add(struct folio *folio, int nr)
{
	folio_ref_add(folio, nr);
}

__rust_helper void rust_helper_folio_put_refs(struct folio *folio, int refs)
{
	folio_put_refs(folio, refs);
}

__rust_helper void rust_helper_folio_lock(struct folio *folio)
{
	folio_lock(folio);
}

__rust_helper bool rust_helper_folio_is_pci_p2pdma(const struct folio *folio)
{
	return folio_is_pci_p2pdma(folio);
}

__rust_helper bool rust_helper_folio_is_longterm_pinnable(struct folio *folio)
{
	return folio_is_longterm_pinnable(folio);
}

__rust_helper void rust_helper_node_stat_mod_folio(struct folio *folio,
						   enum node_stat_item item,
						   int nr)
{
	node_stat_mod_folio(folio, item, nr);
}

/* Out of line on s390, with this prototype. */
__rust_helper int rust_helper_arch_make_folio_accessible(struct folio *folio)
{
	return arch_make_folio_accessible(folio);
}

__rust_helper bool rust_helper_folio_may_be_lru_cached(struct folio *folio)
{
	return folio_may_be_lru_cached(folio);
}

__rust_helper int rust_helper_folio_expected_ref_count(const struct folio *folio)
{
	return folio_expected_ref_count(folio);
}

__rust_helper bool rust_helper_folio_is_device_coherent(const struct folio *folio)
{
	return folio_is_device_coherent(folio);
}
