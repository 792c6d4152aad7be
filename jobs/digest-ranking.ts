import type { Paper } from '../core/contracts/papers.js';

/** How a paper relates to the owner's interests, with the words that made it so. */
export interface RankedPaper {
  paper: Paper;
  score: number;
  why: string;
}

const STOPWORDS = new Set(
  `a an and are as at be but by for from has have i in is it its me my of on or our that the their this to was we
   with you your about into more most than then them they these those using use used prefer short answers links
   main repository am interests interested like also very work working`
    .split(/\s+/)
    .filter(Boolean),
);

/** The interests in user_prefs.md: its text without comment lines and Markdown headings. */
export function interestsText(prefs: string): string {
  return prefs
    .split('\n')
    .filter((line) => !/^\s*(#|<!--)/.test(line))
    .join('\n')
    .trim();
}

export function keywords(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9+-]+/)
      .map((word) => word.replace(/^-+|-+$/g, ''))
      .filter((word) => word.length > 2 && !STOPWORDS.has(word)),
  );
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Keyword overlap with the interests, weighted towards the title: the fallback when no embedder runs. */
export function rankByKeywords(papers: readonly Paper[], interests: string): RankedPaper[] {
  const wanted = keywords(interests);
  return papers
    .map((paper) => {
      const title = keywords(paper.title);
      const body = keywords(paper.abstract);
      const matched = [...wanted].filter((word) => title.has(word) || body.has(word));
      const score = [...wanted].reduce((sum, word) => sum + (title.has(word) ? 2 : 0) + (body.has(word) ? 1 : 0), 0);
      return {
        paper,
        score,
        why: matched.length ? `mentions ${matched.slice(0, 4).join(', ')}` : 'new in your categories',
      };
    })
    .sort((a, b) => b.score - a.score || a.paper.id.localeCompare(b.paper.id));
}

/** Embedding similarity between the interests and each paper's title and abstract. */
export async function rankByEmbedding(
  papers: readonly Paper[],
  interests: string,
  embed: (texts: string[]) => Promise<number[][]>,
): Promise<RankedPaper[]> {
  const vectors = await embed([interests, ...papers.map((p) => `${p.title}. ${p.abstract}`)]);
  const [target, ...rest] = vectors;
  if (!target || rest.length !== papers.length) throw new Error('the embedder returned the wrong number of vectors');
  const wanted = keywords(interests);
  return papers
    .map((paper, i) => {
      const score = cosine(target, rest[i] ?? []);
      const matched = [...wanted].filter((word) => keywords(`${paper.title} ${paper.abstract}`).has(word));
      const why = `${Math.round(score * 100)}% close to your interests${matched.length ? ` (${matched.slice(0, 3).join(', ')})` : ''}`;
      return { paper, score, why };
    })
    .sort((a, b) => b.score - a.score || a.paper.id.localeCompare(b.paper.id));
}
